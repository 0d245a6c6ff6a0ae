using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Domain.Approvals;

/// <summary>The model owner asks for approval to use this version's artifact in one environment. The id is minted by the caller.
/// The owner may state the post-market monitoring plan and the decision policy the approval covers; the risk officers sign
/// them with it (they are in the attestation's predicate, version 3).</summary>
public sealed record RequestApproval(
    string ApprovalId,
    string? Environment,
    string? IntendedUse,
    string? Reason,
    MonitoringPlan? MonitoringPlan = null,
    DecisionPolicy? DecisionPolicy = null
);

public static class RequestApprovalDecision
{
    /// <summary>Opens an approval case for a validated (not failed), unretired version; it needs the policy's number of
    /// sign-offs. A monitoring plan and a decision policy, when stated, must pass <see cref="MonitoringPlanRules"/> (the
    /// cadence no less frequent than the tier's <see cref="ApprovalPolicy.MaxMonitoringCadenceDays"/>).</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields (<c>monitoringPlan.*</c>, <c>decisionPolicy.*</c> too); forbidden
    /// to anyone but the model's owner and delegates; conflict when not validated, failed, suspended, or already pending or
    /// active there.</exception>
    public static ApprovalRequested Decide(
        RequestApproval command,
        Model model,
        ModelVersion version,
        CommandContext context,
        ApprovalPolicy policy
    )
    {
        new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.IntendedUse, "intendedUse", 5000, multiline: true)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .Plan(command.MonitoringPlan, version, policy.MaxMonitoringCadenceDays(version.RiskTier), "monitoringPlan")
            .Policy(command.DecisionPolicy, "decisionPolicy")
            .ThrowIfAny();

        ModelStewardship.EnsureSteward(model, context.Actor, "request approval of versions of");
        version.EnsureNotRetired();
        version.EnsureNotSuspended();
        if (version.Validation is null)
            throw GovernanceRuleException.Conflict(
                "approval.not_validated",
                $"Model version {version.ModelId} {version.Version} has no independent validation outcome yet; approval can be requested "
                    + $"once it is validated."
            );
        if (version.Validation.Outcome == ValidationOutcome.Failed)
            throw GovernanceRuleException.Conflict(
                "approval.validation_failed",
                $"Model version {version.ModelId} {version.Version} failed independent validation and cannot be put forward for approval."
            );
        var environment = command.Environment!;
        if (version.Approvals.Any(a => a.Environment == environment && a.Status == ApprovalStatus.Pending))
            throw GovernanceRuleException.Conflict(
                "approval.already_pending",
                $"An approval for '{environment}' is already awaiting decision."
            );
        if (version.Approvals.Any(a => a.Environment == environment && a.IsActiveAt(context.Now)))
            throw GovernanceRuleException.Conflict(
                "approval.already_active",
                $"This version already holds an active approval for '{environment}'."
            );

        return new ApprovalRequested(
            version.ModelId,
            version.Version,
            command.ApprovalId,
            environment,
            command.IntendedUse!.Trim(),
            version.ArtifactDigest,
            policy.RequiredApprovals(version.RiskTier),
            context.Audit(command.Reason ?? "Approval requested"),
            command.MonitoringPlan is { } plan ? MonitoringPlanRules.Normalized(plan) : null,
            command.DecisionPolicy
        );
    }
}
