using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Attestations;

/// <summary>
/// Which hosts serve a model version, and when each last re-verified it. A load, a refusal and an unapproved load are
/// facts of the version's stream (<see cref="SignedApprovals.RecordLoadAsync"/>); a passing periodic re-verification is
/// not: it overwrites the host's <see cref="LastVerification"/> document, so a host checking every minute adds no event,
/// never changes the version's ETag, and keeps one row however often it reports.
/// </summary>
public sealed class ServingHosts(IDocumentStore store, TimeProvider clock)
{
    /// <summary>Records that a host's re-verification passed; the host must have reported loading that artifact under that
    /// approval, and not a refusal since.</summary>
    /// <exception cref="GovernanceRuleException">Forbidden without a load-reporting role; invalid input; not found; conflict
    /// (<c>verification.not_loaded</c>, <c>verification.load_mismatch</c>). Nothing is stored.</exception>
    public async Task<LastVerification> RecordVerificationAsync(
        VersionRef target,
        RecordVerification command,
        Caller caller,
        CancellationToken ct
    )
    {
        var actor = caller.ActingIn(SignedApprovals.LoadReportRoles);
        await using var session = store.LightweightSession();
        var version = target.Require(await VersionAsync(session, target, ct));
        var verified = RecordVerificationDecision.Decide(command, version, actor, clock.GetUtcNow());
        session.Store(verified);
        await session.SaveChangesAsync(ct);
        return verified;
    }

    /// <summary>The hosts that reported on a version, each with its last report and last verification; null if the version
    /// is not registered.</summary>
    public async Task<IReadOnlyList<ServingHost>?> OfVersionAsync(VersionRef target, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await VersionAsync(session, target, ct) is not { } version)
            return null;
        var verifications = await session
            .Query<LastVerification>()
            .Where(v => v.ModelId == version.ModelId && v.Version == version.Version)
            .ToListAsync(ct);
        return ServingHost.Of(version, verifications);
    }

    /// <summary>The hosts that reported on each of a model's <paramref name="versions"/>, version by version.</summary>
    public async Task<IReadOnlyList<ServingHost>> OfModelAsync(string modelId, IReadOnlyList<ModelVersion> versions, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var verifications = await session.Query<LastVerification>().Where(v => v.ModelId == modelId).ToListAsync(ct);
        return versions.SelectMany(v => ServingHost.Of(v, verifications)).ToArray();
    }

    /// <summary>The version's state; null when it is not registered, or when the path names it with text no stored key can
    /// hold (such as NUL, which PostgreSQL refuses).</summary>
    private static async Task<ModelVersion?> VersionAsync(IQuerySession session, VersionRef target, CancellationToken ct) =>
        Governance.Attestations.TextRules.Problem(target.StreamKey, multiline: false) is null
            ? await session.LoadAsync<ModelVersion>(target.StreamKey, ct)
            : null;
}
