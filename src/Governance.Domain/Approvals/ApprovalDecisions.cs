using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Approvals;

/// <summary>A risk officer declines an approval request, with reasons; refused to a conflicted officer (<see
/// cref="SegregationOfDuties"/>).</summary>
public sealed record RejectApproval(string ApprovalId, string? Reason);

/// <summary>A risk officer withdraws a granted approval; from then on it allows no deployment. Refused to a conflicted officer
/// (<see cref="SegregationOfDuties"/>).</summary>
public sealed record RevokeApproval(string ApprovalId, string? Reason);

public static class ApprovalDecisions
{
    public static ApprovalRejected Decide(RejectApproval command, Model model, ModelVersion version, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 10_000, multiline: true).ThrowIfAny();
        var approval = Pending(version, command.ApprovalId);
        SegregationOfDuties.EnsureIndependent(model, version, approval, context.Actor, OfficerDecision.Reject);
        return new ApprovalRejected(
            version.ModelId,
            version.Version,
            approval.Id,
            approval.Environment,
            context.Audit(command.Reason!.Trim())
        );
    }

    public static ApprovalRevoked Decide(RevokeApproval command, Model model, ModelVersion version, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 10_000, multiline: true).ThrowIfAny();
        var approval = Find(version, command.ApprovalId);
        if (approval.Status is not (ApprovalStatus.Approved or ApprovalStatus.Suspended))
            throw GovernanceRuleException.Conflict(
                "approval.not_granted",
                $"Approval {approval.Id} is {approval.Status}; only a granted approval can be revoked."
            );
        SegregationOfDuties.EnsureIndependent(model, version, approval, context.Actor, OfficerDecision.Revoke);
        return new ApprovalRevoked(
            version.ModelId,
            version.Version,
            approval.Id,
            approval.Environment,
            approval.ArtifactDigest,
            context.Audit(command.Reason!.Trim())
        );
    }

    internal static Approval Pending(ModelVersion version, string approvalId)
    {
        version.EnsureNotRetired();
        var approval = Find(version, approvalId);
        if (approval.Status != ApprovalStatus.Pending)
            throw GovernanceRuleException.Conflict("approval.not_pending", $"Approval {approval.Id} is already {approval.Status}.");
        return approval;
    }

    private static Approval Find(ModelVersion version, string approvalId) =>
        version.FindApproval(approvalId)
        ?? throw GovernanceRuleException.NotFound(
            "approval.not_found",
            $"Model version {version.ModelId} {version.Version} has no approval {approvalId}."
        );
}
