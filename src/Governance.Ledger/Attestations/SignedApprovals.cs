using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Attestations;

/// <summary>What a load report recorded: exactly one of a load, a refusal, or an unapproved load (evidence; answered 409).</summary>
public sealed record LoadReported(ModelLoaded? Loaded, ModelLoadRefused? Refused, UnapprovedLoadReported? Unapproved);

/// <summary>What a key compromise report did: the key set after it and the approvals re-attested with the current key.</summary>
public sealed record KeyCompromiseReported(JwkSet Keys, IReadOnlyList<string> ReattestedApprovals);

/// <summary>
/// What model servers and offline verifiers read of signed approvals (the envelope as issued, its revocation status,
/// the keys) and what they report back (loads and refusals).
/// </summary>
public sealed class SignedApprovals(
    IDocumentStore store,
    LedgerWriter writer,
    AttestationKeyRing keys,
    ApprovalRecords approvals,
    ApprovalLookupReplay replay,
    LedgerOptions options,
    TimeProvider clock
)
{
    public static readonly IReadOnlyList<string> LoadReportRoles = [Roles.DeploymentPipeline];

    /// <summary>The DSSE envelope (JSON) of a granted approval, as issued.</summary>
    /// <exception cref="GovernanceRuleException">Not found: no such approval, or it was never granted.</exception>
    public async Task<string> EnvelopeAsync(string approvalId, CancellationToken ct)
    {
        var approval = await LoadAsync(approvalId, ct);
        return approval.AttestationEnvelope
            ?? throw GovernanceRuleException.NotFound(
                "attestation.not_issued",
                $"Approval {approvalId} is {approval.Status}; attestations are issued when an approval is granted."
            );
    }

    /// <summary>An approval's status, for a model server's online check.</summary>
    /// <exception cref="GovernanceRuleException">Not found.</exception>
    public async Task<ApprovalStatusAnswer> StatusAsync(string approvalId, CancellationToken ct)
    {
        return Answer(await LoadAsync(approvalId, ct), clock.GetUtcNow());
    }

    private static ApprovalStatusAnswer Answer(Approval a, DateTimeOffset now) =>
        new(
            a.Id,
            a.ModelId,
            a.Version,
            a.Environment,
            a.ArtifactDigest,
            a.SuspendedByBreach ? nameof(ApprovalStatus.Suspended) : a.Status.ToString(),
            a.Status == ApprovalStatus.Revoked,
            a.ExpiresAt,
            a.RevokedAt,
            a.RevocationReason,
            a.AttestationDigest,
            now,
            a.SuspendedByBreach ? ApprovalStatusAnswer.Suspended
                : a.UnderReview ? ApprovalStatusAnswer.UnderReview
                : null,
            a.SuspendedByBreach ? a.OpenReview!.DrainUntil : null
        );

    /// <summary>The attestation keys as a JWKS: each with its status and window (<see cref="Jwk"/>).</summary>
    public Task<JwkSet> PublicKeysAsync(CancellationToken ct) => keys.PublicKeysAsync(ct);

    /// <summary>Starts signing with a new key; earlier attestations keep verifying with the retired one (<see
    /// cref="AttestationKeyRing.RotateAsync"/>).</summary>
    public Task<Written<JwkSet>> RotateAsync(string? reason, CommandCall call, CancellationToken ct) => keys.RotateAsync(reason, call, ct);

    /// <summary>
    /// Records a key compromise (<see cref="AttestationKeyRing.ReportCompromiseAsync"/>), then re-attests with the current
    /// key every approval the key signed that is still granted and unexpired, each as its own recorded fact.
    /// </summary>
    /// <returns>The key set after the report, and the approvals re-attested.</returns>
    public async Task<Written<KeyCompromiseReported>> ReportCompromiseAsync(
        string? keyId,
        DateTimeOffset? compromisedAt,
        string? reason,
        CommandCall call,
        CancellationToken ct
    )
    {
        var written = await keys.ReportCompromiseAsync(keyId, compromisedAt, reason, call, ct);
        var now = clock.GetUtcNow();
        IReadOnlyList<Approval> affected;
        await using (var session = store.QuerySession())
            affected = (await session.Query<Approval>().Where(a => a.AttestationKeyId == keyId).ToListAsync(ct))
                .Where(a => a.IsActiveAt(now))
                .OrderBy(a => a.Id, StringComparer.Ordinal)
                .ToArray();
        var reattested = new List<string>();
        foreach (var approval in affected)
        {
            // Each re-attestation is its own command, correlated with the report; a retry of the report re-attests what is left.
            await approvals.ReattestAsync(
                new VersionRef(approval.ModelId, approval.Version),
                approval.Id,
                $"Re-attested with the current key: key {keyId} was reported compromised from {compromisedAt:u}. {reason}",
                call with
                {
                    IdempotencyKey = null,
                    ExpectedVersion = null,
                },
                ct
            );
            reattested.Add(approval.Id);
        }
        return new Written<KeyCompromiseReported>(new(written.Result, reattested), written.Version, written.Replayed);
    }

    /// <summary>
    /// The signed status list (<see cref="ApprovalStatusList"/>) of every approval, issued now and current for
    /// <see cref="LedgerOptions.StatusListValidity"/>. Issued from the events (<see cref="ApprovalLookupReplay"/>), not from the
    /// approval lookup's rows: a revocation or suspension is in the next list whatever an edit of <c>mt_doc_approval</c> says, so
    /// a model server checking the list does not rely on an editable row.
    /// </summary>
    public async Task<string> StatusListAsync(CancellationToken ct)
    {
        // The signer first: the list's issue time must fall in its key's window, and the first use may make the first key.
        using var signer = await keys.CurrentSignerAsync(ct);
        var now = clock.GetUtcNow();
        var all = (await replay.ApprovalsAsync(ct)).Values.OrderBy(a => a.Id, StringComparer.Ordinal).ToArray();
        var list = new ApprovalStatusList(now, now + options.StatusListValidity, all.Select(a => Answer(a, now)).ToArray());
        return System.Text.Encoding.UTF8.GetString(Dsse.Serialize(list.Sign(signer)));
    }

    /// <summary>A model server reports that it loaded, or refused to load, an artifact (with the reason code).</summary>
    public async Task<Written<LoadReported>> RecordLoadAsync(
        VersionRef target,
        ModelLoadReport report,
        CommandCall call,
        CancellationToken ct
    )
    {
        var command = new RecordLoad(
            report.Environment,
            report.Host,
            report.ArtifactDigest,
            report.Loaded,
            report.ApprovalId,
            report.ReasonCode,
            report.Reason
        );
        return await writer.DecideAsync<ModelVersion, LoadReported>(
            target.StreamKey,
            ModelVersion.Evolve,
            call,
            LoadReportRoles,
            (state, context) => RecordLoadDecision.Decide(command, target.Require(state), context),
            w => new LoadReported(w.Events[0] as ModelLoaded, w.Events[0] as ModelLoadRefused, w.Events[0] as UnapprovedLoadReported),
            ct
        );
    }

    private async Task<Approval> LoadAsync(string approvalId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Approval>(approvalId, ct)
            ?? throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.");
    }
}
