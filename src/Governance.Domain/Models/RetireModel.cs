using Governance.Domain.Shared;

namespace Governance.Domain.Models;

/// <summary>Retiring a model closes it to new versions; its history stays.</summary>
public sealed record RetireModel(string ModelId, string? Reason);

public static class RetireModelDecision
{
    public static ModelRetired Decide(RetireModel command, Model? model, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        if (model is null)
            throw GovernanceRuleException.NotFound("model.not_found", $"Model '{command.ModelId}' is not registered.");
        if (context.Actor.Role != Roles.RiskOfficer)
            ModelStewardship.EnsureSteward(model, context.Actor, "retire");
        if (model.IsRetired)
            throw GovernanceRuleException.Conflict("model.retired", $"Model '{model.Id}' is already retired.");
        return new ModelRetired(model.Id, context.Audit(command.Reason!));
    }
}
