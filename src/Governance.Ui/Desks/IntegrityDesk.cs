using Governance.Domain.Shared;
using Governance.Ledger.Reconciliation;
using Governance.Ledger.Transparency;

namespace Governance.Ui.Desks;

/// <summary>The ledger's integrity as the dashboard shows it.</summary>
/// <param name="CheckpointSize">The latest signed checkpoint's tree size, or null before the first (or without a log).</param>
/// <param name="CheckpointAt">When it was signed.</param>
/// <param name="SealerAlarm">Why the sealer stopped, or null while it is sound.</param>
/// <param name="Failing">Every integrity check whose latest outcome failed (reconciliation, model verifications).</param>
public sealed record IntegrityOverview(
    long? CheckpointSize,
    DateTimeOffset? CheckpointAt,
    string? SealerAlarm,
    IReadOnlyList<IntegrityCheck> Failing
);

/// <summary>A verification asked for from the model page: its outcome, or why nothing could be verified.</summary>
public sealed record VerificationOutcome(IntegrityCheck? Check, string? Unavailable);

/// <summary>The transparency log and the read-model checks, for the dashboard's alarms and the model page's verification.</summary>
public interface IIntegrityDesk
{
    Task<IntegrityOverview> OverviewAsync(CancellationToken ct);

    /// <summary>The model's latest verification against the log, or null when it was never verified.</summary>
    Task<IntegrityCheck?> LastVerificationAsync(string modelId, CancellationToken ct);

    /// <summary>Verifies the model's events against the latest signed checkpoint now (<see cref="ModelLogVerification"/>).</summary>
    Task<VerificationOutcome> VerifyModelAsync(string modelId, CancellationToken ct);
}

/// <summary>The integrity desk over the ledger library.</summary>
public sealed class LedgerIntegrityDesk(TransparencyLog log, IntegrityChecks checks, ModelLogVerification verification) : IIntegrityDesk
{
    public async Task<IntegrityOverview> OverviewAsync(CancellationToken ct)
    {
        var state = await log.StateAsync(ct);
        return new(state.CheckpointSize, state.CheckpointAt, state.Alarm, await checks.FailingAsync(ct));
    }

    public Task<IntegrityCheck?> LastVerificationAsync(string modelId, CancellationToken ct) => verification.LastAsync(modelId, ct);

    public async Task<VerificationOutcome> VerifyModelAsync(string modelId, CancellationToken ct)
    {
        try
        {
            return new(await verification.VerifyAsync(modelId, ct), null);
        }
        catch (GovernanceRuleException refused)
        {
            return new(null, refused.Message);
        }
    }
}
