namespace Governance.Domain.Shared;

/// <summary>Who acted: always taken from the authenticated principal, never from a request body.</summary>
public sealed record Actor(string SubjectId, string DisplayName, string Role, string? ClientId = null);

/// <summary>What every event carries for an auditor: who, when, why, and the correlation id that ties one request's events
/// together.</summary>
public sealed record Audit(Actor Actor, DateTimeOffset At, string Reason, string CorrelationId);

/// <summary>The context a command is decided in; the clock is read once by the caller so deciding stays pure.</summary>
public sealed record CommandContext(Actor Actor, DateTimeOffset Now, string CorrelationId)
{
    public Audit Audit(string reason) => new(Actor, Now, reason, CorrelationId);
}

public static class Roles
{
    public const string ModelOwner = nameof(ModelOwner);
    public const string Validator = nameof(Validator);
    public const string RiskOfficer = nameof(RiskOfficer);
    public const string Auditor = nameof(Auditor);
    public const string DeploymentPipeline = nameof(DeploymentPipeline);
    public const string Admin = nameof(Admin);

    /// <summary>The ledger acting on its own (its first attestation key, keys of an earlier release); no person or client holds
    /// it.</summary>
    public const string System = nameof(System);

    /// <summary>The roles a person or client can hold.</summary>
    public static readonly IReadOnlyList<string> All = [ModelOwner, Validator, RiskOfficer, Auditor, DeploymentPipeline, Admin];
}

/// <summary>Every event in the ledger carries its audit facts.</summary>
public interface ILedgerEvent
{
    Audit Audit { get; }
}
