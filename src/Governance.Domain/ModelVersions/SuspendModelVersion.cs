using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

/// <summary>Stop use of a version at once: its approvals are suspended until the suspension is lifted.</summary>
public sealed record SuspendModelVersion(string? Reason);

/// <summary>Lift a suspension: the approvals it suspended stand again.</summary>
public sealed record LiftModelVersionSuspension(string? Reason);

/// <summary>
/// Suspension is the first line's brake: the owner or a delegate stops their own version as the owner's action, never
/// blocked by segregation of duties (stopping a model is always allowed); a risk officer may suspend too. A suspension a
/// risk officer imposed is lifted only by a risk officer, so the first line cannot overrule the second.
/// </summary>
public static class SuspensionDecisions
{
    /// <exception cref="GovernanceRuleException">Invalid reason; forbidden (<c>ownership.not_owner_or_delegate</c>); conflict when
    /// retired or already suspended.</exception>
    public static ModelVersionSuspended Decide(SuspendModelVersion command, Model model, ModelVersion version, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        if (context.Actor.Role != Roles.RiskOfficer)
            ModelStewardship.EnsureSteward(model, context.Actor, "suspend versions of");
        version.EnsureNotRetired();
        version.EnsureNotSuspended();
        return new ModelVersionSuspended(
            version.ModelId,
            version.Version,
            version.Approvals.Where(a => a.Status == ApprovalStatus.Approved).Select(a => a.Id).ToArray(),
            context.Audit(command.Reason!.Trim())
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid reason; forbidden to anyone but the owner, delegates and risk officers, and
    /// to the first line when a risk officer suspended (<c>suspension.imposed_by_risk_officer</c>); conflict when not
    /// suspended.</exception>
    public static ModelVersionSuspensionLifted Decide(
        LiftModelVersionSuspension command,
        Model model,
        ModelVersion version,
        CommandContext context
    )
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        var suspension =
            version.Suspension
            ?? throw GovernanceRuleException.Conflict(
                "model_version.not_suspended",
                $"Model version {version.ModelId} {version.Version} is not suspended."
            );
        if (context.Actor.Role != Roles.RiskOfficer)
        {
            ModelStewardship.EnsureSteward(model, context.Actor, "lift suspensions of");
            if (suspension.By.Role == Roles.RiskOfficer)
                throw GovernanceRuleException.Forbidden(
                    "suspension.imposed_by_risk_officer",
                    "A risk officer suspended this version; only a risk officer can lift the suspension."
                );
        }
        return new ModelVersionSuspensionLifted(
            version.ModelId,
            version.Version,
            version.Approvals.Where(a => a.Status == ApprovalStatus.Suspended).Select(a => a.Id).ToArray(),
            context.Audit(command.Reason!.Trim())
        );
    }
}
