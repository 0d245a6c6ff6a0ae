using Governance.Domain.Approvals;
using Governance.Domain.Evidence;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;

namespace Governance.Domain.Deployments;

/// <summary>
/// One approval as the deployment gate needs it: what <see cref="DeploymentPolicy"/> reads of an <see cref="Approval"/>, without
/// its attestation envelope, plan, sign-off texts or breach history.
/// </summary>
/// <param name="SignOffs">How many risk officers have signed it off so far.</param>
/// <param name="OpenReviewAction">The action of its open breach review (<see cref="Approval.OpenReview"/>), or null.</param>
/// <param name="OpenReviewReports">The monitoring reports behind its open breach review (empty without one).</param>
public sealed record GateApproval(
    string Id,
    string Environment,
    string ArtifactDigest,
    ApprovalStatus Status,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ExpiresAt,
    int SignOffs,
    int RequiredApprovals,
    string? RejectionReason,
    DateTimeOffset? RevokedAt,
    string? RevocationReason,
    BreachAction? OpenReviewAction,
    IReadOnlyList<string> OpenReviewReports
)
{
    /// <summary>Granted and suspended by a monitoring breach (as <see cref="Approval.SuspendedByBreach"/>).</summary>
    public bool SuspendedByBreach => Status == ApprovalStatus.Approved && OpenReviewAction == BreachAction.Suspend;

    /// <summary>Granted and under review after a monitoring breach (as <see cref="Approval.UnderReview"/>).</summary>
    public bool UnderReview => Status == ApprovalStatus.Approved && OpenReviewAction == BreachAction.UnderReview;

    /// <summary>Allows deployment at <paramref name="now"/> (<see cref="Approval.IsActive"/>, the one rule).</summary>
    public bool IsActiveAt(DateTimeOffset now) => Approval.IsActive(Status, ExpiresAt, SuspendedByBreach, now);

    /// <summary>The gate's view of <paramref name="approval"/>.</summary>
    public static GateApproval Of(Approval approval) =>
        new(
            approval.Id,
            approval.Environment,
            approval.ArtifactDigest,
            approval.Status,
            approval.RequestedAt,
            approval.ExpiresAt,
            approval.SignOffs.Count,
            approval.RequiredApprovals,
            approval.RejectionReason,
            approval.RevokedAt,
            approval.RevocationReason,
            approval.OpenReview?.Action,
            approval.OpenReview?.ReportIds ?? []
        );
}

/// <summary>
/// The compact approval-lookup row of one model version: everything the approval check (<see cref="DeploymentPolicy"/>) reads,
/// and nothing else (a version's full state also holds every deployment, load report and piece of evidence, and grows with
/// them). Stored beside the version's state in the same transaction as every event on its stream, so it is never behind it.
/// </summary>
/// <param name="Id">The version's stream key (<see cref="ModelVersion.StreamKey"/>).</param>
/// <param name="ArtifactDigest">The registered artifact's digest (<c>sha256:</c> and 64 lowercase hex).</param>
public sealed record DeploymentGate(
    string Id,
    string ModelId,
    string Version,
    string ArtifactDigest,
    DateTimeOffset? RetiredAt,
    Suspension? Suspension,
    IReadOnlyList<GateApproval> Approvals
)
{
    /// <summary>The gate of <paramref name="version"/> as it stands.</summary>
    public static DeploymentGate Of(ModelVersion version) =>
        new(
            version.Id,
            version.ModelId,
            version.Version,
            version.ArtifactDigest,
            version.RetiredAt,
            version.Suspension,
            [.. version.Approvals.Select(GateApproval.Of)]
        );

    /// <summary>
    /// Whether <paramref name="e"/> may change the gate of the version it is recorded on. Deployments, their lifecycle, load
    /// reports, refused attempts, validation and evidence touch none of the fields <see cref="Of"/> reads, so a version's row
    /// need not be rewritten, nor other nodes told, for them (they are most of a busy version's events). Every other event,
    /// including any added later, is taken to change it: a case forgotten here costs a needless notification, never a stale
    /// answer.
    /// </summary>
    public static bool MayChange(IModelVersionEvent e) =>
        e
            is not (
                ModelVersionDeployed
                or DeploymentRolledBack
                or DeploymentReplaced
                or ModelVersionRestored
                or DeploymentRefused
                or ModelLoaded
                or UnapprovedLoadReported
                or ModelLoadRefused
                or SubmittedForValidation
                or ValidationCompleted
                or EvidenceReportRecorded
                or DeclarationOfConformitySigned
            );

    /// <summary>Whether any of <paramref name="events"/> (event payloads, of any stream) is a version's event that
    /// <see cref="MayChange(IModelVersionEvent)"/> names: a commit of them must rewrite the row and tell every node.</summary>
    public static bool MayChange(IEnumerable<object> events) => events.Any(e => e is IModelVersionEvent v && MayChange(v));
}
