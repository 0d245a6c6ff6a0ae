namespace Governance.Domain.Shared;

/// <summary>
/// Who acted: always taken from the authenticated principal, never from a request body. It names the party by subject id
/// only: display names and e-mails are personal data that a person may have erased, and every event is sealed into the
/// tamper-evident log, so names come from the people directory at read time (<see cref="PeopleNames"/>). Events stored
/// before this release also carry a <c>displayName</c>, which is not read back.
/// </summary>
/// <param name="SubjectId">The namespaced subject (<see cref="Subjects"/>): <c>user:…</c> for a person, <c>client:…</c> for a
/// machine client acting with its own credentials, <c>system:…</c> for the ledger itself. Events stored before subjects were
/// namespaced carry bare ids; the ledger maps them on reading (<see cref="Subjects.Upcast"/>).</param>
/// <param name="ClientId">The OAuth client the action came through (a person's application, or the machine itself).</param>
public sealed record Actor(string SubjectId, string Role, string? ClientId = null)
{
    /// <summary>A machine client acting with its own credentials, not a person.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsMachine => Subjects.IsClient(SubjectId);
}

/// <summary>
/// Subject ids are namespaced by kind, so that a machine client's id can never equal a person's: a client registered with a
/// person's user id as its client id is <c>client:that-id</c>, never <c>user:that-id</c>, and cannot act or sign as them.
/// </summary>
public static class Subjects
{
    public const string UserPrefix = "user:";
    public const string ClientPrefix = "client:";
    public const string SystemPrefix = "system:";

    /// <summary>An operating-system account using the command-line administration (<c>os:name</c>).</summary>
    public const string OsPrefix = "os:";

    /// <summary>The actor of a sign-in attempt by no known account.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>A person's subject: <c>user:</c> and the identity store's user id.</summary>
    public static string User(string userId) => UserPrefix + userId;

    /// <summary>A machine client's subject: <c>client:</c> and its OAuth client id.</summary>
    public static string Client(string clientId) => ClientPrefix + clientId;

    public static bool IsClient(string subjectId) => subjectId.StartsWith(ClientPrefix, StringComparison.Ordinal);

    public static bool IsUser(string subjectId) => subjectId.StartsWith(UserPrefix, StringComparison.Ordinal);

    /// <summary>Has one of the prefixes, or is <see cref="Anonymous"/>.</summary>
    public static bool IsNamespaced(string subjectId) =>
        IsUser(subjectId)
        || IsClient(subjectId)
        || subjectId.StartsWith(SystemPrefix, StringComparison.Ordinal)
        || subjectId.StartsWith(OsPrefix, StringComparison.Ordinal)
        || subjectId == Anonymous;

    /// <summary>
    /// The namespaced form of a subject id as stored before namespacing: a machine client then acted with its client id as
    /// its subject (client-credentials tokens carry <c>sub = client_id</c>), so a bare id equal to the action's client id is
    /// <c>client:…</c> and any other bare id is a person's <c>user:…</c>. Namespaced ids are returned as they are.
    /// </summary>
    public static string Upcast(string storedId, string? clientId) =>
        IsNamespaced(storedId) ? storedId
        : storedId == clientId ? Client(storedId)
        : User(storedId);
}

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

    /// <summary>
    /// The roles a machine client may act in: it reports (deployments, loads) and, as a delegate of a model, registers
    /// datasets and versions and requests approval. Validation, approval decisions, audit and administration need a person
    /// (SR 26-2 and PRA SS1/23 effective challenge; EU AI Act Art. 14 human oversight).
    /// </summary>
    public static readonly IReadOnlyList<string> ForMachines = [ModelOwner, DeploymentPipeline];

    /// <summary>
    /// Pairs of roles one person should not hold (three lines of defence): the first line (ModelOwner) with the second
    /// (Validator, RiskOfficer), and internal audit (Auditor) with either. Segregation of duties still refuses each
    /// conflicted decision per model; this names the standing conflict for the administrator.
    /// </summary>
    public static IReadOnlyList<string> Conflicts(IEnumerable<string> roles)
    {
        var held = roles.ToHashSet();
        (string, string, string)[] pairs =
        [
            (ModelOwner, Validator, "owns models (first line) and validates them (second line)"),
            (ModelOwner, RiskOfficer, "owns models (first line) and approves them (second line)"),
            (Auditor, ModelOwner, "audits (third line) and owns models (first line)"),
            (Auditor, Validator, "audits (third line) and validates (second line)"),
            (Auditor, RiskOfficer, "audits (third line) and approves (second line)"),
        ];
        return pairs
            .Where(p => held.Contains(p.Item1) && held.Contains(p.Item2))
            .Select(p => $"{p.Item1} + {p.Item2}: {p.Item3}")
            .ToArray();
    }
}

/// <summary>Every event in the ledger carries its audit facts.</summary>
public interface ILedgerEvent
{
    Audit Audit { get; }
}
