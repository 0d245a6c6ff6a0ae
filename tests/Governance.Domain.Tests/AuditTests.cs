using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Every event a decision produces carries the actor, time, reason and correlation id of the command's context.</summary>
public class AuditTests
{
    private static readonly DateTimeOffset Now = Day(10).AddHours(3).AddMinutes(7);

    private static CommandContext ContextFor(Actor actor) => Ctx(actor, Now, "corr-audit-1");

    [Fact]
    public void A_model_registration_carries_the_commands_audit_facts()
    {
        var ctx = ContextFor(Owner);

        var e = RegisterModelDecision.Decide(
            new RegisterModel(ModelId, "Credit scoring", "Retail credit", RiskTier.Low, null, ["EU"], "New product line"),
            null,
            ctx
        );

        AssertAudit(e, ctx, "New product line");
    }

    [Fact]
    public void A_model_version_registration_carries_the_commands_audit_facts_with_a_default_reason()
    {
        var ctx = ContextFor(Developer);
        var dataset = GivenDataset(
            new DatasetRegistered(
                "dataset:x@1",
                "x",
                "1",
                null,
                [new DatasetFile("x.csv", TrainingDigest, 1)],
                TrainingDigest,
                FileManifest.Encoding,
                1,
                [new DatasetColumn("a", "int")],
                false,
                null,
                AuditOf(Developer, T0)
            )
        );
        var command = new RegisterModelVersion(
            ModelId,
            "2.0.0",
            "s3://m/2.zip",
            ArtifactDigest,
            10,
            ArtifactFormat.Onnx,
            TrainingDigest,
            TrainingDigest,
            null,
            "abc",
            null,
            null
        );

        var e = RegisterModelVersionDecision.Decide(
            command,
            GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]),
            null,
            dataset,
            dataset,
            ctx
        );

        AssertAudit(e, ctx, "Model version registered");
    }

    [Fact]
    public void A_validation_outcome_carries_the_validators_opinion_as_its_reason()
    {
        var ctx = ContextFor(Validator);

        var e = ValidationDecisions.Decide(
            new RecordValidationOutcome(ValidationOutcome.Passed, [], "  Sound model  "),
            TheModel,
            Given(VersionRegistered(), SubmittedEvent()),
            ctx
        );

        AssertAudit(e, ctx, "Sound model");
    }

    [Fact]
    public void Both_events_of_a_granting_sign_off_carry_the_officers_audit_facts()
    {
        var ctx = ContextFor(OfficerB);
        var version = Given([.. AwaitingApproval(RiskTier.High), SignedOffEvent(OfficerA, Day(4))]);

        var events = ApproveModelVersionDecision.Decide(
            Approve() with
            {
                Rationale = " Monitoring plan adequate ",
            },
            TheModel,
            version,
            ctx
        );

        Assert.Equal(2, events.Count);
        AssertAudit(events[0], ctx, "Monitoring plan adequate");
        AssertAudit(events[1], ctx, "All 2 required approvals recorded");
        var approved = Assert.IsType<ModelVersionApproved>(events[1]);
        Assert.Equal(new Approver(OfficerB, Now, "Monitoring plan adequate"), approved.Approvers[1]);
    }

    [Fact]
    public void An_approval_request_carries_the_requesters_audit_facts()
    {
        var ctx = ContextFor(Owner);

        var e = RequestApprovalDecision.Decide(
            new RequestApproval(ApprovalId, Production, "Scoring", "Go-live Q2"),
            TheModel,
            Given(Validated()),
            ctx,
            ApprovalPolicy.Default
        );

        AssertAudit(e, ctx, "Go-live Q2");
    }

    [Fact]
    public void Rejections_and_revocations_carry_the_officers_audit_facts()
    {
        var ctx = ContextFor(OfficerA);

        var rejected = ApprovalDecisions.Decide(
            new RejectApproval(ApprovalId, "Insufficient evidence"),
            TheModel,
            Given(AwaitingApproval()),
            ctx
        );
        var revoked = ApprovalDecisions.Decide(new RevokeApproval(ApprovalId, "Drift"), TheModel, Given(Approved()), ctx);

        AssertAudit(rejected, ctx, "Insufficient evidence");
        AssertAudit(revoked, ctx, "Drift");
    }

    [Fact]
    public void Deployments_and_refusals_carry_the_pipelines_audit_facts()
    {
        var ctx = ContextFor(Pipeline);

        var deployed = DeploymentDecisions.Decide(
            new RecordDeployment(Production, "run-1", ArtifactDigest, "Release 42"),
            Given(Approved()),
            ctx
        );
        var refused = DeploymentDecisions.Decide(new RecordDeployment(Production, "run-2", OtherDigest, null), Given(Approved()), ctx);

        AssertAudit(Assert.IsType<ModelVersionDeployed>(deployed), ctx, "Release 42");
        AssertAudit(Assert.IsType<DeploymentRefused>(refused), ctx, "Deployment attempt refused by the ledger");
        Assert.Equal("ci-client", refused.Audit.Actor.ClientId);
    }

    [Fact]
    public void Folded_state_takes_who_and_when_from_the_event_audit()
    {
        var ctx = ContextFor(Owner);
        var requested = RequestApprovalDecision.Decide(
            new RequestApproval(ApprovalId, Production, "Scoring", null),
            TheModel,
            Given(Validated()),
            ctx,
            ApprovalPolicy.Default
        );

        var approval = Approval.Evolve(null, requested)!;

        Assert.Equal(Owner, approval.RequestedBy);
        Assert.Equal(Now, approval.RequestedAt);
        Assert.Equal(ApprovalStatus.Pending, approval.Status);
    }
}
