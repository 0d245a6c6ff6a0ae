using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Approvals;

/// <summary>The second line's decisions on an approval, as named in refusal codes.</summary>
public enum OfficerDecision
{
    Approve,
    Reject,
    Revoke,

    /// <summary>Resolve a review opened by a monitoring breach (accept, require revalidation, revoke).</summary>
    Resolve,
}

/// <summary>
/// Segregation of duties on every decision a risk officer takes on an approval (grant, reject, revoke): whoever is
/// conflicted on the model version may not decide, whatever roles they hold. The conflicted are its owner, whoever
/// registered it, its delegates, whoever requested the approval and whoever validated the version (US SR 26-2 and UK PRA SS1/23
/// principle 4: effective challenge by parties independent of development; EU AI Act Art. 17(1)(a) accountability).
/// Stopping a model is never blocked by these rules: its owner suspends it as the first line, not as a risk officer.
/// </summary>
public static class SegregationOfDuties
{
    /// <summary>Refuses the decision when <paramref name="officer"/> is conflicted on the version, naming the rule.</summary>
    /// <exception cref="GovernanceRuleException">Forbidden, code <c>segregation_of_duties.&lt;party&gt;_cannot_&lt;decision&gt;</c>
    /// (party: <c>model_owner</c> for the owner now or when the version was registered, <c>delegate</c>, <c>developer</c> for
    /// the registrant, <c>requester</c>, <c>validator</c>).</exception>
    public static void EnsureIndependent(Model model, ModelVersion version, Approval approval, Actor officer, OfficerDecision decision)
    {
        if (Conflict(model, version, approval, officer.SubjectId, decision) is { } refused)
            throw refused;
    }

    /// <summary>The refusal <see cref="EnsureIndependent"/> would throw for <paramref name="subjectId"/>, or null: lets a queue
    /// mark what a person may not decide before they open it.</summary>
    public static GovernanceRuleException? Conflict(
        Model model,
        ModelVersion version,
        Approval approval,
        string subjectId,
        OfficerDecision decision
    )
    {
        var verb = decision.ToString().ToLowerInvariant();
        if (subjectId == version.ModelOwnerId || subjectId == model.OwnerId)
            return Refused("model_owner", verb, $"The model owner cannot {verb} their own model version.");
        if (subjectId == approval.RequestedBy.SubjectId)
            return Refused("requester", verb, $"Whoever requested this approval cannot also {verb} it.");
        if (subjectId == version.RegisteredBy.SubjectId)
            return Refused("developer", verb, $"Whoever registered this model version cannot {verb} its approval.");
        if (subjectId == version.Validation?.Validator.SubjectId)
            return Refused(
                "validator",
                verb,
                $"Whoever validated this model version cannot {verb} its approval: approval must be independent of validation."
            );
        if (model.Delegates.Contains(subjectId))
            return Refused("delegate", verb, $"A delegate of the model owner cannot {verb} the model's approvals.");
        return null;
    }

    private static GovernanceRuleException Refused(string party, string verb, string message) =>
        GovernanceRuleException.Forbidden($"segregation_of_duties.{party}_cannot_{verb}", message);
}
