using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Approvals;

/// <summary>
/// A risk officer's sign-off. The officer restates the digest and environment they reviewed, so the approval binds
/// exactly what they saw: if either differs from the request, nothing is signed.
/// </summary>
public sealed record ApproveModelVersion(
    string ApprovalId,
    string? ArtifactDigest,
    string? Environment,
    string? Rationale,
    IReadOnlyList<string>? Conditions,
    DateTimeOffset? ExpiresAt
);

public static class ApproveModelVersionDecision
{
    /// <summary>The longest an approval may run before it expires (SR 26-2 and SS1/23 expect periodic re-validation).</summary>
    public const int MaxTermYears = 3;

    public static IReadOnlyList<IModelVersionEvent> Decide(
        ApproveModelVersion command,
        Model model,
        ModelVersion version,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Sha256(command.ArtifactDigest, "artifactDigest")
            .Slug(command.Environment, "environment")
            .Required(command.Rationale, "rationale", 10_000, multiline: true);
        if (command.ExpiresAt is null)
            check.Fail("expiresAt", "is required: every approval has an expiry");
        else if (command.ExpiresAt <= context.Now)
            check.Fail("expiresAt", "must be in the future");
        else if (command.ExpiresAt > context.Now.AddYears(MaxTermYears))
            check.Fail("expiresAt", $"must be at most {MaxTermYears} years ahead: approvals are reviewed at least that often");
        check.MaxItems(command.Conditions, "conditions", 50).RequiredItems(command.Conditions, "conditions", 2000);
        check.ThrowIfAny();

        var approval = ApprovalDecisions.Pending(version, command.ApprovalId);
        version.EnsureNotSuspended();
        if (Digest.Normalize(command.ArtifactDigest!) != approval.ArtifactDigest)
            throw GovernanceRuleException.Conflict(
                "approval.digest_mismatch",
                $"The digest signed ({command.ArtifactDigest}) is not the artifact under approval ({approval.ArtifactDigest})."
            );
        if (command.Environment != approval.Environment)
            throw GovernanceRuleException.Conflict(
                "approval.environment_mismatch",
                $"The environment signed ('{command.Environment}') is not the one requested ('{approval.Environment}')."
            );

        SegregationOfDuties.EnsureIndependent(model, version, approval, context.Actor, OfficerDecision.Approve);
        var officer = context.Actor.SubjectId;
        // A sign-off whose own expiry has passed no longer counts: it can neither complete the approval nor block its officer from signing
        // anew.
        var standing = approval.SignOffs.Where(s => s.ExpiresAt > context.Now).ToArray();
        if (standing.Any(s => s.Officer.SubjectId == officer))
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.distinct_approvers_required",
                $"You have already signed this approval; it needs {approval.RequiredApprovals} distinct risk officers."
            );

        var conditions = (command.Conditions ?? []).Select(c => c.Trim()).ToArray();
        var signed = new ApprovalSignedOff(
            version.ModelId,
            version.Version,
            approval.Id,
            approval.Environment,
            approval.ArtifactDigest,
            conditions,
            command.ExpiresAt!.Value,
            context.Audit(command.Rationale!.Trim())
        );
        var signOffs = standing
            .Append(new SignOff(context.Actor, context.Now, signed.Audit.Reason, conditions, signed.ExpiresAt))
            .ToArray();
        if (signOffs.Length < approval.RequiredApprovals)
            return [signed];

        var approved = new ModelVersionApproved(
            version.ModelId,
            version.Version,
            approval.Id,
            approval.Environment,
            approval.ArtifactDigest,
            signOffs.Select(s => new Approver(s.Officer, s.SignedAt, s.Rationale)).ToArray(),
            signOffs.SelectMany(s => s.Conditions).Distinct().ToArray(),
            signOffs.Min(s => s.ExpiresAt),
            context.Audit($"All {approval.RequiredApprovals} required approvals recorded")
        );
        return [signed, approved];
    }
}
