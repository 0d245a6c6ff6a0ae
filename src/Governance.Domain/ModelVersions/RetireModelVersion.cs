using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

/// <summary>A retired version can no longer be approved or deployed; what happened to it stays on record.</summary>
public sealed record RetireModelVersion(string? Reason);

public static class RetireModelVersionDecision
{
    /// <summary>Retires the version; its owner, a delegate or a risk officer may.</summary>
    /// <exception cref="GovernanceRuleException">Invalid reason; forbidden (<c>ownership.not_owner_or_delegate</c>); conflict
    /// when already retired.</exception>
    public static ModelVersionRetired Decide(RetireModelVersion command, Model model, ModelVersion version, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        if (context.Actor.Role != Roles.RiskOfficer)
            ModelStewardship.EnsureSteward(model, context.Actor, "retire versions of");
        version.EnsureNotRetired();
        return new ModelVersionRetired(version.ModelId, version.Version, context.Audit(command.Reason!));
    }
}
