using System.Text.RegularExpressions;
using Governance.Domain.Shared;

namespace Governance.Domain.Models;

/// <summary>A model owner enters a model in the inventory; they become its owner.</summary>
public sealed record RegisterModel(
    string? ModelId,
    string? Name,
    string? BusinessPurpose,
    RiskTier? RiskTier,
    string? EuAiActCategory,
    IReadOnlyList<string>? Jurisdictions,
    string? Reason
);

public static partial class RegisterModelDecision
{
    public static ModelRegistered Decide(RegisterModel command, Model? existing, CommandContext context)
    {
        var check = new InputCheck()
            .Slug(command.ModelId, "modelId")
            .Required(command.Name, "name", 200)
            .Required(command.BusinessPurpose, "businessPurpose", 2000, multiline: true)
            .Defined(command.RiskTier, "riskTier")
            .Optional(command.EuAiActCategory, "euAiActCategory", 200)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .MaxItems(command.Jurisdictions, "jurisdictions", 50);
        if (command.RiskTier == Models.RiskTier.High && string.IsNullOrWhiteSpace(command.EuAiActCategory))
            check.Fail("euAiActCategory", "is required for a high-risk model (e.g. 'Annex III 5(b) creditworthiness assessment')");
        if (command.Jurisdictions is not { Count: > 0 })
            check.Fail("jurisdictions", "must list at least one jurisdiction (e.g. EU, DE, UK, US)");
        else if (command.Jurisdictions.Any(j => j is null || !JurisdictionPattern().IsMatch(j)))
            check.Fail("jurisdictions", "each must be a 2-3 letter upper-case code (ISO 3166 or EU)");
        check.ThrowIfAny();

        if (existing is not null)
            throw GovernanceRuleException.Conflict("model.already_registered", $"Model '{command.ModelId}' is already registered.");
        if (context.Actor.IsMachine)
            throw GovernanceRuleException.Forbidden(
                "ownership.owner_must_be_a_person",
                "A model is owned by a person, who is accountable for it; a machine client can act on a model only as a delegate."
            );

        return new ModelRegistered(
            command.ModelId!,
            command.Name!.Trim(),
            context.Actor.SubjectId,
            command.BusinessPurpose!.Trim(),
            command.RiskTier!.Value,
            string.IsNullOrWhiteSpace(command.EuAiActCategory) ? null : command.EuAiActCategory.Trim(),
            command.Jurisdictions!.Distinct().ToArray(),
            context.Audit(command.Reason ?? "Model entered in the inventory")
        );
    }

    [GeneratedRegex(@"\A[A-Z]{2,3}\z")]
    private static partial Regex JurisdictionPattern();
}
