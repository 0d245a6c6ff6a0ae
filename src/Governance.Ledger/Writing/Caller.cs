using Governance.Domain.Shared;

namespace Governance.Ledger.Writing;

/// <summary>
/// The party asking the ledger to record something: subject id, display name, every role it holds and, for a machine or
/// a person acting through an application, the OAuth client id. Hosts build it from their own authentication; the ledger
/// never reads HTTP or claims.
/// </summary>
public sealed record Caller(string SubjectId, string DisplayName, IReadOnlyCollection<string> Roles, string? ClientId = null)
{
    /// <summary>
    /// The actor recorded on the events: the caller acting in the first of <paramref name="allowed"/> it holds.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Forbidden (<c>access.role_required</c>) when it holds none of them.</exception>
    public Actor ActingIn(IReadOnlyList<string> allowed) =>
        allowed.FirstOrDefault(Roles.Contains) is { } role
            ? new Actor(SubjectId, DisplayName, role, ClientId)
            : throw new GovernanceRuleException(
                RuleKind.Forbidden,
                "access.role_required",
                $"This needs the {string.Join(" or ", allowed)} role."
            );
}

/// <summary>
/// One command's call: who asks, the correlation id stored on every event it writes, the stream version the caller read
/// (refused as stale if the stream moved on; null: any, but a racing write still loses) and an optional idempotency key
/// with the fingerprint of the request it was first used for.
/// </summary>
public sealed record CommandCall(
    Caller Caller,
    string CorrelationId,
    long? ExpectedVersion = null,
    string? IdempotencyKey = null,
    string? RequestFingerprint = null
);
