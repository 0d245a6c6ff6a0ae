using Governance.Domain.Shared;

namespace Governance.Ledger.Writing;

/// <summary>
/// The party asking the ledger to record something: namespaced subject id (<see cref="Subjects"/>: <c>user:…</c> or
/// <c>client:…</c>), every role it holds and, for a machine or a person acting through an application, the OAuth client id.
/// No display name: events name parties by subject (<see cref="Actor"/>). Hosts build it from their own authentication; the
/// ledger never reads HTTP or claims.
/// </summary>
public sealed record Caller(string SubjectId, IReadOnlyCollection<string> Roles, string? ClientId = null)
{
    /// <summary>
    /// The caller an access token or sign-in session names: a machine client acting with its own credentials when the token's
    /// subject is its client id (client-credentials tokens carry <c>sub = client_id</c>), otherwise the person the subject
    /// names. A client registered with a person's user id as its client id is thus <c>client:that-id</c>, never the person.
    /// </summary>
    /// <param name="tokenSubject">The token's or session's bare <c>sub</c>.</param>
    /// <param name="tokenClientId">The token's <c>client_id</c>; null for the UI's sign-in session.</param>
    public static Caller FromToken(string tokenSubject, string? tokenClientId, IReadOnlyCollection<string> roles) =>
        new(
            tokenClientId is not null && tokenSubject == tokenClientId ? Subjects.Client(tokenSubject) : Subjects.User(tokenSubject),
            roles,
            tokenClientId
        );

    /// <summary>
    /// The actor recorded on the events: the caller acting in the first of <paramref name="allowed"/> it holds and may act
    /// in. A machine client acts only in <see cref="Domain.Shared.Roles.ForMachines"/>, whatever roles it was given.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Forbidden: <c>access.role_required</c> when it holds none of them,
    /// <c>access.person_required</c> when a machine client holds only roles that need a person.</exception>
    public Actor ActingIn(IReadOnlyList<string> allowed)
    {
        var held = allowed.Where(Roles.Contains).ToArray();
        if (held.Length == 0)
            throw new GovernanceRuleException(
                RuleKind.Forbidden,
                "access.role_required",
                $"This needs the {string.Join(" or ", allowed)} role."
            );
        var role = Subjects.IsClient(SubjectId) ? held.FirstOrDefault(Domain.Shared.Roles.ForMachines.Contains) : held[0];
        return role is not null
            ? new Actor(SubjectId, role, ClientId)
            : throw new GovernanceRuleException(
                RuleKind.Forbidden,
                "access.person_required",
                $"Only a person may act as {string.Join(" or ", held)}: sign in (authorization code or device flow), not with a "
                    + "machine client's credentials."
            );
    }
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
