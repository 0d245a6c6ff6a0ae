using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Deployments;

/// <summary>A machine-readable reason why a deployment is not allowed.</summary>
public sealed record DenialReason(string Code, string Message);

public sealed record DeploymentDecision(bool Allowed, string? ApprovalId, DateTimeOffset? ExpiresAt, IReadOnlyList<DenialReason> Reasons);

/// <summary>
/// The pipelines' answer to <c>GET /api/v1/approvals/check</c>: allowed or denied, with machine-readable reasons and the
/// approval relied on. Declared once, here, for the ledger that answers and the CLI that asks.
/// </summary>
/// <param name="Decision"><c>allowed</c> or <c>denied</c>.</param>
/// <param name="Digest">The artifact digest asked about, normalised (<c>sha256:</c> and 64 lowercase hex).</param>
public sealed record ApprovalCheckAnswer(
    string Model,
    string Version,
    string Digest,
    string Environment,
    bool Allowed,
    string Decision,
    string? ApprovalId,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<DenialReason> Reasons,
    DateTimeOffset CheckedAt
);

/// <summary>
/// The control itself: may this digest of this version be deployed to this environment now?
/// Only an approval that binds this exact digest and environment, is granted, not revoked and not expired, allows it.
/// </summary>
public static class DeploymentPolicy
{
    /// <summary>The decision on <paramref name="version"/>'s state (the deciders' form).</summary>
    public static DeploymentDecision Check(ModelVersion? version, string digest, string environment, DateTimeOffset now) =>
        Check(version is null ? null : DeploymentGate.Of(version), digest, environment, now);

    /// <summary>The decision on a version's compact approval-lookup row (the approval check's form); null: not registered.</summary>
    public static DeploymentDecision Check(DeploymentGate? version, string digest, string environment, DateTimeOffset now)
    {
        if (version is null)
            return Deny(new DenialReason("model_version_not_registered", "No such model version is registered in the ledger."));

        var reasons = new List<DenialReason>();
        if (version.RetiredAt is not null)
            reasons.Add(new("version_retired", $"Model version {version.ModelId} {version.Version} was retired on {version.RetiredAt:u}."));
        if (version.Suspension is { } suspension)
            reasons.Add(
                new(
                    "version_suspended",
                    $"Use of model version {version.ModelId} {version.Version} was suspended on {suspension.At:u}: {suspension.Reason}"
                )
            );
        if (Digest.Normalize(digest) != version.ArtifactDigest)
            reasons.Add(
                new(
                    "digest_mismatch",
                    $"The artifact digest {digest} is not the registered artifact of this version ({version.ArtifactDigest})."
                )
            );

        var forEnvironment = version.Approvals.Where(a => a.Environment == environment).ToArray();
        var active = forEnvironment.Where(a => a.IsActiveAt(now) && a.ArtifactDigest == version.ArtifactDigest).MaxBy(a => a.ExpiresAt);
        if (active is not null && reasons.Count == 0)
            return new DeploymentDecision(
                true,
                active.Id,
                active.ExpiresAt,
                active.UnderReview
                    ?
                    [
                        new(
                            "under_review",
                            $"Approval {active.Id} is under review after a monitoring breach (report "
                                + $"{string.Join(", ", active.OpenReviewReports)}); it still allows use until a risk officer "
                                + "resolves the review."
                        ),
                    ]
                    : []
            );
        if (active is null)
            reasons.Add(WhyNoActiveApproval(forEnvironment.MaxBy(a => a.RequestedAt), environment, now));
        return new DeploymentDecision(false, null, null, reasons);
    }

    private static DenialReason WhyNoActiveApproval(GateApproval? latest, string environment, DateTimeOffset now) =>
        latest switch
        {
            null => new("no_approval_for_environment", $"This version has never been approved for '{environment}'."),
            { Status: ApprovalStatus.Pending } => new(
                "approval_pending",
                $"Approval {latest.Id} for '{environment}' is awaiting decision ({latest.SignOffs} of {latest.RequiredApprovals} "
                    + $"required approvals recorded)."
            ),
            { Status: ApprovalStatus.Rejected } => new(
                "approval_rejected",
                $"Approval {latest.Id} for '{environment}' was rejected: {latest.RejectionReason}"
            ),
            { SuspendedByBreach: true } => new(
                "suspended",
                $"Approval {latest.Id} for '{environment}' is suspended after a monitoring breach (report "
                    + $"{string.Join(", ", latest.OpenReviewReports)}) until a risk officer resolves the review."
            ),
            { Status: ApprovalStatus.Suspended } => new(
                "approval_suspended",
                $"Approval {latest.Id} for '{environment}' is suspended with its model version."
            ),
            { Status: ApprovalStatus.Revoked } => new(
                "approval_revoked",
                $"Approval {latest.Id} for '{environment}' was revoked on {latest.RevokedAt:u}: {latest.RevocationReason}"
            ),
            _ when latest.ExpiresAt <= now => new(
                "approval_expired",
                $"Approval {latest.Id} for '{environment}' expired on {latest.ExpiresAt:u}."
            ),
            _ => new("no_approval_for_environment", $"No active approval for '{environment}'."),
        };

    private static DeploymentDecision Deny(DenialReason reason) => new(false, null, null, [reason]);
}
