using Governance.Domain.Shared;

namespace Governance.Domain.Models;

/// <summary>The owner names a delegate (a person or a machine client) who may act for them on the model.</summary>
/// <param name="DelegateId">A namespaced subject that the host has checked exists and holds the ModelOwner role.</param>
public sealed record AddModelDelegate(string ModelId, string? DelegateId, string? Reason);

/// <summary>The owner, a risk officer or an administrator withdraws a delegate.</summary>
public sealed record RemoveModelDelegate(string ModelId, string? DelegateId, string? Reason);

/// <summary>A risk officer or administrator records that another person now owns the model (the owner left, a team moved).</summary>
/// <param name="NewOwnerId">A person's namespaced subject that the host has checked exists and holds the ModelOwner role.</param>
public sealed record TransferModelOwnership(string ModelId, string? NewOwnerId, string? Reason);

/// <summary>
/// Who may act for the first line on a model: its owner and the delegates the owner named (EU AI Act Art. 16 and 26
/// provider and deployer obligations; SR 26-2 model ownership). Every command on a model's versions from the first line
/// (register, submit for validation, request approval, retire, suspend) checks it; risk officers may also retire and suspend.
/// </summary>
public static class ModelStewardship
{
    /// <summary>Refuses <paramref name="actor"/> unless they own the model or are one of its delegates.</summary>
    /// <param name="action">What they try to do, for the message ("register versions of").</param>
    /// <exception cref="GovernanceRuleException">Forbidden, <c>ownership.not_owner_or_delegate</c>.</exception>
    public static void EnsureSteward(Model model, Actor actor, string action)
    {
        if (!model.IsSteward(actor.SubjectId))
            throw GovernanceRuleException.Forbidden(
                "ownership.not_owner_or_delegate",
                $"Only the owner of model '{model.Id}' or one of its delegates may {action} it."
            );
    }

    public static ModelDelegateAdded Decide(AddModelDelegate command, Model? model, CommandContext context)
    {
        var check = new InputCheck().Optional(command.Reason, "reason", 2000, multiline: true);
        CheckSubject(check, command.DelegateId, "delegateId", allowClients: true);
        check.ThrowIfAny();
        var current = Require(model, command.ModelId);
        if (context.Actor.SubjectId != current.OwnerId)
            throw GovernanceRuleException.Forbidden("ownership.not_owner", $"Only the owner of model '{current.Id}' may name delegates.");
        if (command.DelegateId == current.OwnerId)
            throw GovernanceRuleException.Conflict("ownership.delegate_is_owner", "The owner cannot be their own delegate.");
        if (current.Delegates.Contains(command.DelegateId!))
            throw GovernanceRuleException.Conflict(
                "ownership.already_delegate",
                $"'{command.DelegateId}' is already a delegate of model '{current.Id}'."
            );
        return new ModelDelegateAdded(current.Id, command.DelegateId!, context.Audit(command.Reason ?? "Delegate named"));
    }

    public static ModelDelegateRemoved Decide(RemoveModelDelegate command, Model? model, CommandContext context)
    {
        new InputCheck()
            .Required(command.Reason, "reason", 2000, multiline: true)
            .Required(command.DelegateId, "delegateId", 300)
            .ThrowIfAny();
        var current = Require(model, command.ModelId);
        if (context.Actor.SubjectId != current.OwnerId && context.Actor.Role is not (Roles.RiskOfficer or Roles.Admin))
            throw GovernanceRuleException.Forbidden(
                "ownership.not_owner",
                $"Only the owner of model '{current.Id}', a risk officer or an administrator may withdraw a delegate."
            );
        if (!current.Delegates.Contains(command.DelegateId!))
            throw GovernanceRuleException.NotFound(
                "ownership.not_a_delegate",
                $"'{command.DelegateId}' is not a delegate of model '{current.Id}'."
            );
        return new ModelDelegateRemoved(current.Id, command.DelegateId!, context.Audit(command.Reason!));
    }

    /// <summary>Records a transfer of ownership; the recording risk officer or administrator is its approver, and may not be
    /// the new owner.</summary>
    public static ModelOwnershipTransferred Decide(TransferModelOwnership command, Model? model, CommandContext context)
    {
        var check = new InputCheck().Required(command.Reason, "reason", 2000, multiline: true);
        CheckSubject(check, command.NewOwnerId, "newOwnerId", allowClients: false);
        check.ThrowIfAny();
        var current = Require(model, command.ModelId);
        if (command.NewOwnerId == current.OwnerId)
            throw GovernanceRuleException.Conflict("ownership.already_owner", $"'{command.NewOwnerId}' already owns model '{current.Id}'.");
        if (command.NewOwnerId == context.Actor.SubjectId || current.OwnerId == context.Actor.SubjectId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.party_cannot_approve_transfer",
                "A party to an ownership transfer cannot also approve it."
            );
        return new ModelOwnershipTransferred(current.Id, current.OwnerId, command.NewOwnerId!, context.Audit(command.Reason!.Trim()));
    }

    private static Model Require(Model? model, string modelId) =>
        model ?? throw GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.");

    private static void CheckSubject(InputCheck check, string? subjectId, string field, bool allowClients)
    {
        check.Required(subjectId, field, 300);
        if (string.IsNullOrWhiteSpace(subjectId))
            return;
        if (!(Subjects.IsUser(subjectId) || (allowClients && Subjects.IsClient(subjectId))))
            check.Fail(field, allowClients ? "must be a person (user:…) or a machine client (client:…)" : "must be a person (user:…)");
    }
}
