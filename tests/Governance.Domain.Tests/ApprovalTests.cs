using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class SegregationOfDutiesInApprovalTests
{
    [Fact]
    public void The_requester_of_an_approval_cannot_approve_it()
    {
        // Requested by a delegate who is neither the model owner nor the registrant, so only the requester rule applies.
        var version = Given(AwaitingApproval(requestedBy: Requester));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(Requester)),
            RuleKind.Forbidden,
            "segregation_of_duties.requester_cannot_approve"
        );
    }

    [Fact]
    public void A_model_owner_cannot_approve_their_own_model_version()
    {
        // The owner neither registered the version nor requested the approval: only the owner rule can refuse them.
        var version = Given(AwaitingApproval(requestedBy: Requester));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(Owner)),
            RuleKind.Forbidden,
            "segregation_of_duties.model_owner_cannot_approve"
        );
    }

    [Fact]
    public void A_model_owner_cannot_approve_even_when_holding_the_risk_officer_role()
    {
        var ownerAsOfficer = Owner with { Role = Roles.RiskOfficer };
        var version = Given(AwaitingApproval(requestedBy: Requester));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(ownerAsOfficer)),
            RuleKind.Forbidden,
            "segregation_of_duties.model_owner_cannot_approve"
        );
    }

    [Fact]
    public void Whoever_registered_the_version_cannot_approve_it()
    {
        var version = Given(AwaitingApproval());

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(Developer)),
            RuleKind.Forbidden,
            "segregation_of_duties.developer_cannot_approve"
        );
    }

    public static TheoryData<string, string> ConflictedParties =>
        new()
        {
            { "owner", "model_owner" },
            { "registrant", "developer" },
            { "requester", "requester" },
            { "validator", "validator" },
        };

    /// <summary>The party holding the risk-officer role too (a person may hold both; the rule is about the person).</summary>
    private static Actor AsOfficer(string party) =>
        (
            party switch
            {
                "owner" => Owner,
                "registrant" => Developer,
                "requester" => Requester,
                _ => Validator,
            }
        ) with
        {
            Role = Roles.RiskOfficer,
        };

    [Theory]
    [MemberData(nameof(ConflictedParties))]
    public void A_conflicted_officer_can_neither_approve_nor_reject_a_pending_approval(string party, string rule)
    {
        var version = Given(AwaitingApproval(requestedBy: Requester));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(AsOfficer(party))),
            RuleKind.Forbidden,
            $"segregation_of_duties.{rule}_cannot_approve"
        );
        Refused(
            () => ApprovalDecisions.Decide(new RejectApproval(ApprovalId, "Not convinced"), TheModel, version, Ctx(AsOfficer(party))),
            RuleKind.Forbidden,
            $"segregation_of_duties.{rule}_cannot_reject"
        );
    }

    [Theory]
    [MemberData(nameof(ConflictedParties))]
    public void A_conflicted_officer_cannot_revoke_a_granted_approval(string party, string rule)
    {
        var version = Given([
            .. AwaitingApproval(requestedBy: Requester),
            SignedOffEvent(OfficerA, Day(4)),
            SignedOffEvent(OfficerB, Day(5)),
            ApprovedEvent([OfficerA, OfficerB], Day(5)),
        ]);

        Refused(
            () => ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "Drift"), TheModel, version, Ctx(AsOfficer(party), Day(8))),
            RuleKind.Forbidden,
            $"segregation_of_duties.{rule}_cannot_revoke"
        );
    }

    [Fact]
    public void An_independent_risk_officer_can_sign_off()
    {
        var version = Given(AwaitingApproval(RiskTier.Low));

        var events = ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerA));

        Assert.Contains(events, e => e is ModelVersionApproved);
    }
}

public class HighRiskApprovalTests
{
    [Fact]
    public void A_high_risk_approval_request_requires_two_sign_offs()
    {
        var version = Given(Validated(RiskTier.High));

        var requested = RequestApprovalDecision.Decide(
            new RequestApproval(ApprovalId, Production, "Retail scoring", null),
            TheModel,
            version,
            Ctx(Owner),
            ApprovalPolicy.Default
        );

        Assert.Equal(2, requested.RequiredApprovals);
    }

    [Theory]
    [InlineData(RiskTier.Medium)]
    [InlineData(RiskTier.Low)]
    public void A_medium_or_low_risk_approval_request_requires_one_sign_off(RiskTier tier)
    {
        var version = Given(Validated(tier));

        var requested = RequestApprovalDecision.Decide(
            new RequestApproval(ApprovalId, Production, "Retail scoring", null),
            TheModel,
            version,
            Ctx(Owner),
            ApprovalPolicy.Default
        );

        Assert.Equal(1, requested.RequiredApprovals);
    }

    [Fact]
    public void The_first_sign_off_on_a_high_risk_model_only_records_the_sign_off()
    {
        var version = Given(AwaitingApproval(RiskTier.High));

        var events = ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerA, Day(4)));

        var signed = Assert.IsType<ApprovalSignedOff>(Assert.Single(events));
        Assert.Equal(ApprovalId, signed.ApprovalId);
        Assert.Equal(ArtifactDigest, signed.ArtifactDigest);
        Assert.Equal(Production, signed.Environment);
    }

    [Fact]
    public void After_one_of_two_sign_offs_the_approval_stays_pending_and_deployment_is_denied()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4))]);

        var approval = Assert.Single(version.Approvals);
        Assert.Equal(ApprovalStatus.Pending, approval.Status);
        Assert.Single(approval.SignOffs);
        Assert.Equal(ModelVersionStatus.ApprovalRequested, version.Status);

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(5));
        Assert.False(decision.Allowed);
        Assert.Equal("approval_pending", Assert.Single(decision.Reasons).Code);
    }

    [Fact]
    public void The_same_risk_officer_cannot_sign_a_high_risk_approval_twice()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4))]);

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerA, Day(5))),
            RuleKind.Forbidden,
            "segregation_of_duties.distinct_approvers_required"
        );
    }

    [Fact]
    public void The_same_officer_is_recognised_by_subject_id_even_through_another_client()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4))]);
        var sameOfficerRenamed = OfficerA with { ClientId = "governance-cli" };

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(sameOfficerRenamed, Day(5))),
            RuleKind.Forbidden,
            "segregation_of_duties.distinct_approvers_required"
        );
    }

    [Fact]
    public void A_second_distinct_officer_grants_the_approval_with_both_approvers_earliest_expiry_and_all_conditions()
    {
        var firstExpiry = Day(90);
        var secondExpiry = Day(120);
        var version = Given([
            .. AwaitingApproval(RiskTier.High),
            SignedOffEvent(OfficerA, Day(4), firstExpiry, conditions: ["Monthly drift report", "Human review of declines"]),
        ]);

        var events = ApproveModelVersionDecision.Decide(
            Approve(expiresAt: secondExpiry, conditions: ["Human review of declines", "Annual revalidation"]),
            TheModel,
            version,
            Ctx(OfficerB, Day(5))
        );

        Assert.Collection(events, e => Assert.IsType<ApprovalSignedOff>(e), e => Assert.IsType<ModelVersionApproved>(e));
        var approved = (ModelVersionApproved)events[1];
        Assert.Equal(new[] { OfficerA.SubjectId, OfficerB.SubjectId }, approved.Approvers.Select(a => a.Officer.SubjectId));
        Assert.Equal(firstExpiry, approved.ExpiresAt);
        Assert.Equal(new[] { "Monthly drift report", "Human review of declines", "Annual revalidation" }, approved.Conditions);
        Assert.Equal(ArtifactDigest, approved.ArtifactDigest);
        Assert.Equal(Production, approved.Environment);
    }

    [Fact]
    public void A_sign_off_that_has_expired_does_not_count_towards_a_high_risk_approval()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4), expiresAt: Day(5))]);

        var events = ApproveModelVersionDecision.Decide(Approve(expiresAt: Day(90)), TheModel, version, Ctx(OfficerB, Day(6)));

        Assert.IsType<ApprovalSignedOff>(Assert.Single(events));
        Assert.Equal(
            "approval_pending",
            DeploymentPolicy
                .Check(events.Aggregate(version, (v, e) => ModelVersion.Evolve(v, e)!), ArtifactDigest, Production, Day(6))
                .Reasons.Single()
                .Code
        );
    }

    [Fact]
    public void An_officer_whose_sign_off_expired_may_sign_again_and_complete_the_approval()
    {
        var version = Given([
            .. AwaitingApproval(RiskTier.High),
            SignedOffEvent(OfficerA, Day(4), expiresAt: Day(5)),
            SignedOffEvent(OfficerB, Day(6), expiresAt: Day(90)),
        ]);

        var events = ApproveModelVersionDecision.Decide(Approve(expiresAt: Day(60)), TheModel, version, Ctx(OfficerA, Day(7)));

        var approved = Assert.IsType<ModelVersionApproved>(events[^1]);
        Assert.Equal(Day(60), approved.ExpiresAt);
        Assert.Equal(new[] { OfficerB.SubjectId, OfficerA.SubjectId }, approved.Approvers.Select(a => a.Officer.SubjectId));
    }

    [Fact]
    public void The_earliest_expiry_wins_whichever_officer_signs_second()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4), Day(120))]);

        var events = ApproveModelVersionDecision.Decide(Approve(expiresAt: Day(60)), TheModel, version, Ctx(OfficerB, Day(5)));

        Assert.Equal(Day(60), Assert.IsType<ModelVersionApproved>(events[^1]).ExpiresAt);
    }

    [Fact]
    public void Folding_the_second_sign_off_approves_the_version_and_allows_deployment()
    {
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4))]);
        var events = ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerB, Day(5)));

        foreach (var e in events)
            version = ModelVersion.Evolve(version, e)!;

        var approval = Assert.Single(version.Approvals);
        Assert.Equal(ApprovalStatus.Approved, approval.Status);
        Assert.Equal(2, approval.SignOffs.Count);
        Assert.Equal(ModelVersionStatus.Approved, version.Status);
        Assert.True(DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(6)).Allowed);
    }

    [Theory]
    [InlineData(RiskTier.Medium)]
    [InlineData(RiskTier.Low)]
    public void One_sign_off_approves_a_medium_or_low_risk_model_version(RiskTier tier)
    {
        var version = Given(AwaitingApproval(tier));

        var events = ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerA, Day(4)));

        Assert.Collection(
            events,
            e => Assert.IsType<ApprovalSignedOff>(e),
            e => Assert.Equal(OfficerA, Assert.Single(Assert.IsType<ModelVersionApproved>(e).Approvers).Officer)
        );
    }
}

public class ApprovalBindingTests
{
    [Fact]
    public void Signing_a_different_digest_than_the_one_under_approval_is_refused()
    {
        var version = Given(AwaitingApproval());

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(digest: OtherDigest), TheModel, version, Ctx(OfficerA)),
            RuleKind.Conflict,
            "approval.digest_mismatch"
        );
    }

    [Fact]
    public void Signing_a_different_environment_than_the_one_requested_is_refused()
    {
        var version = Given(AwaitingApproval(environment: Production));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(environment: Staging), TheModel, version, Ctx(OfficerA)),
            RuleKind.Conflict,
            "approval.environment_mismatch"
        );
    }

    [Fact]
    public void The_digest_signed_is_compared_case_insensitively_as_the_same_content()
    {
        var version = Given(AwaitingApproval(RiskTier.Low));

        var events = ApproveModelVersionDecision.Decide(
            Approve(digest: ArtifactDigest.ToUpperInvariant()),
            TheModel,
            version,
            Ctx(OfficerA)
        );

        Assert.Equal(ArtifactDigest, Assert.IsType<ModelVersionApproved>(events[^1]).ArtifactDigest);
    }

    [Fact]
    public void An_approval_request_binds_the_versions_registered_artifact_digest()
    {
        var version = Given(Validated());

        var requested = RequestApprovalDecision.Decide(
            new RequestApproval(ApprovalId, Staging, "Shadow scoring", null),
            TheModel,
            version,
            Ctx(Owner),
            ApprovalPolicy.Default
        );

        Assert.Equal(ArtifactDigest, requested.ArtifactDigest);
        Assert.Equal(Staging, requested.Environment);
    }
}

public class ApprovalInputTests
{
    [Fact]
    public void An_approval_without_an_expiry_is_refused()
    {
        var version = Given(AwaitingApproval());
        var command = Approve() with { ExpiresAt = null };

        InvalidField(() => ApproveModelVersionDecision.Decide(command, TheModel, version, Ctx(OfficerA)), "expiresAt");
    }

    [Fact]
    public void An_approval_expiring_in_the_past_is_refused()
    {
        var version = Given(AwaitingApproval());

        InvalidField(
            () => ApproveModelVersionDecision.Decide(Approve(expiresAt: Day(9)), TheModel, version, Ctx(OfficerA, Day(10))),
            "expiresAt"
        );
    }

    [Fact]
    public void An_approval_expiring_exactly_now_is_refused()
    {
        var version = Given(AwaitingApproval());

        InvalidField(
            () => ApproveModelVersionDecision.Decide(Approve(expiresAt: Day(10)), TheModel, version, Ctx(OfficerA, Day(10))),
            "expiresAt"
        );
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sha256:abc")]
    [InlineData("md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg")]
    [InlineData("")]
    public void A_badly_formed_digest_is_refused(string digest)
    {
        var version = Given(AwaitingApproval());

        InvalidField(() => ApproveModelVersionDecision.Decide(Approve(digest: digest), TheModel, version, Ctx(OfficerA)), "artifactDigest");
    }

    [Fact]
    public void Empty_conditions_are_refused()
    {
        var version = Given(AwaitingApproval());

        InvalidField(
            () => ApproveModelVersionDecision.Decide(Approve(conditions: ["Monthly report", " "]), TheModel, version, Ctx(OfficerA)),
            "conditions[1]"
        );
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var version = Given(AwaitingApproval());
        var command = new ApproveModelVersion(ApprovalId, "sha256:nope", "Not A Slug", " ", null, null);

        var ex = InvalidField(() => ApproveModelVersionDecision.Decide(command, TheModel, version, Ctx(OfficerA)), "artifactDigest");

        Assert.Equal(
            new[] { "artifactDigest", "environment", "expiresAt", "rationale" },
            ex.FieldErrors.Keys.Order(StringComparer.Ordinal)
        );
    }
}

public class ApprovalLifecycleTests
{
    private static RequestApproval Request(string environment = Production) =>
        new(ApprovalId + "-new", environment, "Retail scoring", null);

    [Fact]
    public void Approval_cannot_be_requested_before_independent_validation()
    {
        var version = Given(Registered());

        Refused(
            () => RequestApprovalDecision.Decide(Request(), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "approval.not_validated"
        );
    }

    [Fact]
    public void Approval_cannot_be_requested_while_validation_is_only_submitted()
    {
        var version = Given(VersionRegistered(), SubmittedEvent());

        Refused(
            () => RequestApprovalDecision.Decide(Request(), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "approval.not_validated"
        );
    }

    [Fact]
    public void Approval_cannot_be_requested_after_a_failed_validation()
    {
        var version = Given(Validated(outcome: ValidationOutcome.Failed));

        Refused(
            () => RequestApprovalDecision.Decide(Request(), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "approval.validation_failed"
        );
    }

    [Fact]
    public void Approval_can_be_requested_after_passing_with_conditions()
    {
        var version = Given(Validated(outcome: ValidationOutcome.PassedWithConditions));

        var requested = RequestApprovalDecision.Decide(Request(), TheModel, version, Ctx(Owner), ApprovalPolicy.Default);

        Assert.Equal(version.ArtifactDigest, requested.ArtifactDigest);
    }

    [Fact]
    public void A_second_request_for_an_environment_with_a_pending_approval_is_refused()
    {
        var version = Given(AwaitingApproval(environment: Production));

        Refused(
            () => RequestApprovalDecision.Decide(Request(Production), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "approval.already_pending"
        );
    }

    [Fact]
    public void A_request_for_an_environment_with_an_active_approval_is_refused()
    {
        var version = Given(Approved(environment: Production));

        Refused(
            () => RequestApprovalDecision.Decide(Request(Production), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "approval.already_active"
        );
    }

    [Fact]
    public void A_new_request_is_allowed_once_the_previous_approval_has_expired()
    {
        var version = Given(Approved(expiresAt: Day(30)));

        var requested = RequestApprovalDecision.Decide(Request(Production), TheModel, version, Ctx(Owner, Day(31)), ApprovalPolicy.Default);

        Assert.Equal(Production, requested.Environment);
    }

    [Fact]
    public void A_retired_version_cannot_be_put_forward_for_approval()
    {
        var version = Given([.. Validated(), VersionRetiredEvent()]);

        Refused(
            () => RequestApprovalDecision.Decide(Request(), TheModel, version, Ctx(Owner), ApprovalPolicy.Default),
            RuleKind.Conflict,
            "model_version.retired"
        );
    }

    [Fact]
    public void A_retired_version_cannot_be_signed_off()
    {
        var version = Given([.. AwaitingApproval(), VersionRetiredEvent()]);

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerA)),
            RuleKind.Conflict,
            "model_version.retired"
        );
    }

    [Fact]
    public void A_granted_approval_cannot_be_signed_again()
    {
        var version = Given(Approved(RiskTier.Low));

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerB)),
            RuleKind.Conflict,
            "approval.not_pending"
        );
    }

    [Fact]
    public void A_rejected_approval_cannot_be_signed()
    {
        var version = Given([.. AwaitingApproval(), RejectedEvent()]);

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(), TheModel, version, Ctx(OfficerB)),
            RuleKind.Conflict,
            "approval.not_pending"
        );
    }

    [Fact]
    public void Signing_an_unknown_approval_is_not_found()
    {
        var version = Given(AwaitingApproval());

        Refused(
            () => ApproveModelVersionDecision.Decide(Approve(approvalId: "apr-unknown"), TheModel, version, Ctx(OfficerA)),
            RuleKind.NotFound,
            "approval.not_found"
        );
    }

    [Fact]
    public void A_pending_approval_can_be_rejected_and_is_then_rejected()
    {
        var version = Given(AwaitingApproval());

        var rejected = ApprovalDecisions.Decide(
            new RejectApproval(ApprovalId, "Fairness gaps in validation"),
            TheModel,
            version,
            Ctx(OfficerA, Day(4))
        );
        version = ModelVersion.Evolve(version, rejected)!;

        var approval = Assert.Single(version.Approvals);
        Assert.Equal(ApprovalStatus.Rejected, approval.Status);
        Assert.Equal(OfficerA, approval.RejectedBy);
        Assert.Equal("Fairness gaps in validation", approval.RejectionReason);
        Assert.Equal(ModelVersionStatus.Rejected, version.Status);
    }

    [Fact]
    public void Rejecting_requires_a_reason()
    {
        var version = Given(AwaitingApproval());

        InvalidField(() => ApprovalDecisions.Decide(new RejectApproval(ApprovalId, null), TheModel, version, Ctx(OfficerA)), "reason");
    }

    [Fact]
    public void A_granted_approval_can_be_revoked()
    {
        var version = Given(Approved());

        var revoked = ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "Drift detected"), TheModel, version, Ctx(OfficerA, Day(8)));
        version = ModelVersion.Evolve(version, revoked)!;

        Assert.Equal(ArtifactDigest, revoked.ArtifactDigest);
        Assert.Equal(ApprovalStatus.Revoked, Assert.Single(version.Approvals).Status);
        Assert.Equal(ModelVersionStatus.Revoked, version.Status);
    }

    [Fact]
    public void Only_a_granted_approval_can_be_revoked()
    {
        var version = Given(AwaitingApproval());

        Refused(
            () => ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "Changed my mind"), TheModel, version, Ctx(OfficerA)),
            RuleKind.Conflict,
            "approval.not_granted"
        );
    }
}
