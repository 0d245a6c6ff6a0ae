using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Ownership and delegation of a model: who may act for the first line, and who may never decide.</summary>
public class OwnershipTests
{
    private static readonly Actor Stranger = new("owner-sam", Roles.ModelOwner);
    private static readonly Actor CiPipeline = new("client:payments-ci", Roles.ModelOwner, "payments-ci");

    private static void Refused(Action act, RuleKind kind, string code)
    {
        var refused = Assert.Throws<GovernanceRuleException>(act);
        Assert.Equal((kind, code), (refused.Kind, refused.Code));
    }

    [Fact]
    public void Another_owner_cannot_retire_register_submit_or_request_approval_on_a_model_they_do_not_own()
    {
        var version = Given(Validated());
        const string code = "ownership.not_owner_or_delegate";
        Refused(() => RetireModelVersionDecision.Decide(new("mine now"), TheModel, version, Ctx(Stranger)), RuleKind.Forbidden, code);
        Refused(
            () =>
                RequestApprovalDecision.Decide(new("a", Production, "use", null), TheModel, version, Ctx(Stranger), ApprovalPolicy.Default),
            RuleKind.Forbidden,
            code
        );
        Refused(
            () => ValidationDecisions.Decide(new SubmitForValidation("s", null, null, null), TheModel, Given(Registered()), Ctx(Stranger)),
            RuleKind.Forbidden,
            code
        );
        Refused(() => RetireModelDecision.Decide(new RetireModel(ModelId, "gone"), TheModel, Ctx(Stranger)), RuleKind.Forbidden, code);
    }

    [Fact]
    public void A_risk_officer_may_retire_a_version_they_do_not_own()
    {
        var retired = RetireModelVersionDecision.Decide(new("Withdrawn by model risk"), TheModel, Given(Validated()), Ctx(OfficerA));
        Assert.Equal(OfficerA, retired.Audit.Actor);
    }

    [Fact]
    public void The_owner_names_a_machine_delegate_who_may_then_request_approval_but_a_delegate_cannot_name_delegates()
    {
        var added = ModelStewardship.Decide(
            new AddModelDelegate(ModelId, CiPipeline.SubjectId, "CI registers versions"),
            TheModel,
            Ctx(Owner)
        );
        Assert.Equal(new ModelDelegateAdded(ModelId, CiPipeline.SubjectId, Ctx(Owner).Audit("CI registers versions")), added);
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed, added]);

        var requested = RequestApprovalDecision.Decide(
            new("a", Production, "scoring", null),
            model,
            Given(Validated()),
            Ctx(CiPipeline),
            ApprovalPolicy.Default
        );
        Assert.Equal(CiPipeline, requested.Audit.Actor);
        Refused(
            () => ModelStewardship.Decide(new AddModelDelegate(ModelId, "user:someone", null), model, Ctx(Developer)),
            RuleKind.Forbidden,
            "ownership.not_owner"
        );
    }

    [Theory]
    [InlineData("payments-ci", "delegateId")]
    [InlineData("", "delegateId")]
    public void A_delegate_id_must_name_its_kind(string id, string field)
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            ModelStewardship.Decide(new AddModelDelegate(ModelId, id, null), TheModel, Ctx(Owner))
        );
        Assert.Equal(RuleKind.InvalidInput, refused.Kind);
        Assert.Contains(field, refused.FieldErrors.Keys);
    }

    [Fact]
    public void A_withdrawn_delegate_can_no_longer_register_versions()
    {
        var removed = ModelStewardship.Decide(new RemoveModelDelegate(ModelId, Developer.SubjectId, "Left the team"), TheModel, Ctx(Owner));
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed, removed]);
        Assert.DoesNotContain(Developer.SubjectId, model.Delegates);
        Refused(
            () => RetireModelVersionDecision.Decide(new("x"), model, Given(Validated()), Ctx(Developer)),
            RuleKind.Forbidden,
            "ownership.not_owner_or_delegate"
        );
    }

    [Fact]
    public void A_machine_client_cannot_own_a_model()
    {
        var command = new RegisterModel("m-1", "M", "Purpose", RiskTier.Low, null, ["EU"], null);
        Refused(() => RegisterModelDecision.Decide(command, null, Ctx(CiPipeline)), RuleKind.Forbidden, "ownership.owner_must_be_a_person");
    }

    [Fact]
    public void Ownership_passes_to_a_person_by_a_risk_officers_transfer_and_the_old_owner_loses_the_model()
    {
        var transfer = ModelStewardship.Decide(
            new TransferModelOwnership(ModelId, "user:nina", "Ola moved to another team"),
            TheModel,
            Ctx(OfficerA)
        );
        Assert.Equal((Owner.SubjectId, "user:nina"), (transfer.PreviousOwnerId, transfer.NewOwnerId));
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed, transfer]);
        Assert.Equal("user:nina", model.OwnerId);
        Refused(
            () => RetireModelVersionDecision.Decide(new("x"), model, Given(Validated()), Ctx(Owner)),
            RuleKind.Forbidden,
            "ownership.not_owner_or_delegate"
        );
        Refused(
            () => ModelStewardship.Decide(new TransferModelOwnership(ModelId, CiPipeline.SubjectId, "r"), model, Ctx(OfficerA)),
            RuleKind.InvalidInput,
            "invalid_input"
        );
    }

    [Fact]
    public void A_party_to_a_transfer_cannot_approve_it()
    {
        var ownerAsOfficer = Owner with { Role = Roles.RiskOfficer };
        Refused(
            () => ModelStewardship.Decide(new TransferModelOwnership(ModelId, "user:nina", "r"), TheModel, Ctx(ownerAsOfficer)),
            RuleKind.Forbidden,
            "segregation_of_duties.party_cannot_approve_transfer"
        );
    }

    [Fact]
    public void A_delegate_cannot_approve_reject_revoke_or_validate()
    {
        var delegateAsOfficer = new Actor("delegate-dora", "Dora", Roles.RiskOfficer);
        var model = GivenModel([ModelRegisteredEvent(), new ModelDelegateAdded(ModelId, delegateAsOfficer.SubjectId, AuditOf(Owner, T0))]);
        var awaiting = Given(AwaitingApproval());
        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), model, awaiting, Ctx(delegateAsOfficer)),
            RuleKind.Forbidden,
            "segregation_of_duties.delegate_cannot_approve"
        );
        Refused(
            () => ApprovalDecisions.Decide(new RejectApproval(ApprovalId, "no"), model, awaiting, Ctx(delegateAsOfficer)),
            RuleKind.Forbidden,
            "segregation_of_duties.delegate_cannot_reject"
        );
        Refused(
            () => ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "no"), model, Given(Approved()), Ctx(delegateAsOfficer)),
            RuleKind.Forbidden,
            "segregation_of_duties.delegate_cannot_revoke"
        );
        var submitted = Given(VersionRegistered(), SubmittedEvent());
        Refused(
            () =>
                ValidationDecisions.Decide(
                    new RecordValidationOutcome(ValidationOutcome.Passed, [], "fine"),
                    model,
                    submitted,
                    Ctx(delegateAsOfficer with { Role = Roles.Validator })
                ),
            RuleKind.Forbidden,
            "segregation_of_duties.validator_is_delegate"
        );
    }
}

/// <summary>Suspension: the first line stops its own model at once; the second line's suspension binds the first.</summary>
public class SuspensionTests
{
    [Fact]
    public void The_owner_suspends_their_approved_version_and_the_approval_check_refuses_it_until_lifted()
    {
        var suspended = SuspensionDecisions.Decide(
            new SuspendModelVersion("Drift in the score distribution"),
            TheModel,
            Given(Approved()),
            Ctx(Owner)
        );
        Assert.Equal((ModelId, VersionLabel, ApprovalId), (suspended.ModelId, suspended.Version, Assert.Single(suspended.ApprovalIds)));
        Assert.Equal(Ctx(Owner).Audit("Drift in the score distribution"), suspended.Audit);
        var version = Given([.. Approved(), suspended]);
        Assert.Equal(ApprovalStatus.Suspended, version.FindApproval(ApprovalId)!.Status);
        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(11));
        Assert.False(decision.Allowed);
        Assert.Contains(decision.Reasons, r => r.Code == "version_suspended");

        var lifted = SuspensionDecisions.Decide(new LiftModelVersionSuspension("Drift explained"), TheModel, version, Ctx(Owner, Day(12)));
        var after = Given([.. Approved(), suspended, lifted]);
        Assert.Equal(ApprovalStatus.Approved, after.FindApproval(ApprovalId)!.Status);
        Assert.True(DeploymentPolicy.Check(after, ArtifactDigest, Production, Day(13)).Allowed);
    }

    [Fact]
    public void An_owner_who_is_also_a_risk_officer_suspends_their_own_version_as_the_owner_never_blocked_by_segregation_of_duties()
    {
        var suspended = SuspensionDecisions.Decide(new SuspendModelVersion("stop"), TheModel, Given(Approved()), Ctx(Owner));
        Assert.Equal(Roles.ModelOwner, suspended.Audit.Actor.Role);
    }

    [Fact]
    public void A_suspension_by_a_risk_officer_is_lifted_only_by_a_risk_officer()
    {
        var suspended = SuspensionDecisions.Decide(
            new SuspendModelVersion("Model risk finding"),
            TheModel,
            Given(Approved()),
            Ctx(OfficerA)
        );
        var version = Given([.. Approved(), suspended]);
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            SuspensionDecisions.Decide(new LiftModelVersionSuspension("fixed"), TheModel, version, Ctx(Owner))
        );
        Assert.Equal("suspension.imposed_by_risk_officer", refused.Code);
        Assert.NotNull(SuspensionDecisions.Decide(new LiftModelVersionSuspension("fixed"), TheModel, version, Ctx(OfficerB)));
    }

    [Fact]
    public void A_suspended_version_takes_no_sign_off_and_no_new_request_but_its_approval_can_still_be_revoked()
    {
        var suspended = SuspensionDecisions.Decide(new SuspendModelVersion("stop"), TheModel, Given(AwaitingApproval()), Ctx(Owner));
        Assert.Empty(suspended.ApprovalIds);
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            ApproveModelVersionDecision.Decide(Approve(), TheModel, Given([.. AwaitingApproval(), suspended]), Ctx(OfficerA))
        );
        Assert.Equal("model_version.suspended", refused.Code);

        var approvedThenSuspended = Given([
            .. Approved(),
            SuspensionDecisions.Decide(new SuspendModelVersion("stop"), TheModel, Given(Approved()), Ctx(Owner)),
        ]);
        var revoked = ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "for good"), TheModel, approvedThenSuspended, Ctx(OfficerA));
        Assert.Equal(ApprovalId, revoked.ApprovalId);
    }

    [Fact]
    public void Someone_who_is_not_the_owner_a_delegate_or_a_risk_officer_cannot_suspend()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            SuspensionDecisions.Decide(new SuspendModelVersion("x"), TheModel, Given(Approved()), Ctx(Validator))
        );
        Assert.Equal("ownership.not_owner_or_delegate", refused.Code);
    }
}
