using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Attestations;

/// <summary>What a load report recorded: exactly one of a load, a refusal, or an unapproved load (evidence; answered 409).</summary>
public sealed record LoadReported(ModelLoaded? Loaded, ModelLoadRefused? Refused, UnapprovedLoadReported? Unapproved);

/// <summary>
/// What model servers and offline verifiers read of signed approvals (the envelope as issued, its revocation status,
/// the keys) and what they report back (loads and refusals).
/// </summary>
public sealed class SignedApprovals(IDocumentStore store, LedgerWriter writer, AttestationKeyRing keys, TimeProvider clock)
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
        var a = await LoadAsync(approvalId, ct);
        return new ApprovalStatusAnswer(
            a.Id,
            a.ModelId,
            a.Version,
            a.Environment,
            a.ArtifactDigest,
            a.Status.ToString(),
            a.Status == ApprovalStatus.Revoked,
            a.ExpiresAt,
            a.RevokedAt,
            a.RevocationReason,
            a.AttestationDigest,
            clock.GetUtcNow()
        );
    }

    /// <summary>The attestation keys as a JWKS: the current one and every retired one.</summary>
    public JwkSet PublicKeys() => keys.PublicKeys();

    /// <summary>Starts signing with a new key; earlier attestations keep verifying with the retired one.</summary>
    public JwkSet Rotate()
    {
        using var signer = keys.Rotate();
        return keys.PublicKeys();
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
