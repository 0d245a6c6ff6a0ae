using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class DeploymentPolicyTests
{
    private static string[] Codes(DeploymentDecision decision) => decision.Reasons.Select(r => r.Code).ToArray();

    [Theory]
    [InlineData(RiskTier.High)]
    [InlineData(RiskTier.Medium)]
    [InlineData(RiskTier.Low)]
    public void The_exact_approved_digest_and_environment_may_be_deployed_and_the_approval_is_named(RiskTier tier)
    {
        var version = Given(Approved(tier, Production, Day(90)));

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.True(decision.Allowed);
        Assert.Equal(ApprovalId, decision.ApprovalId);
        Assert.Equal(Day(90), decision.ExpiresAt);
        Assert.Empty(decision.Reasons);
    }

    [Fact]
    public void Another_digest_is_denied_even_with_an_active_approval()
    {
        var version = Given(Approved());

        var decision = DeploymentPolicy.Check(version, OtherDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Contains("digest_mismatch", Codes(decision));
    }

    [Fact]
    public void An_upper_case_spelling_of_the_approved_digest_is_the_same_artifact()
    {
        var version = Given(Approved());

        Assert.True(DeploymentPolicy.Check(version, ArtifactDigest.ToUpperInvariant(), Production, Day(10)).Allowed);
    }

    [Fact]
    public void An_approval_for_one_environment_does_not_allow_another()
    {
        var version = Given(Approved(environment: Staging));

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Null(decision.ApprovalId);
        Assert.Equal(["no_approval_for_environment"], Codes(decision));
    }

    [Fact]
    public void An_expired_approval_does_not_allow_deployment()
    {
        var version = Given(Approved(expiresAt: Day(30)));

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(31));

        Assert.False(decision.Allowed);
        Assert.Equal(["approval_expired"], Codes(decision));
    }

    [Fact]
    public void An_approval_no_longer_allows_deployment_at_the_instant_it_expires()
    {
        var version = Given(Approved(expiresAt: Day(30)));

        Assert.True(DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(30).AddTicks(-1)).Allowed);
        Assert.Equal(["approval_expired"], Codes(DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(30))));
    }

    [Fact]
    public void A_revoked_approval_does_not_allow_deployment()
    {
        var version = Given([.. Approved(), RevokedEvent()]);

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Equal(["approval_revoked"], Codes(decision));
    }

    [Fact]
    public void A_rejected_approval_does_not_allow_deployment()
    {
        var version = Given([.. AwaitingApproval(), RejectedEvent()]);

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Equal(["approval_rejected"], Codes(decision));
    }

    [Fact]
    public void A_pending_approval_does_not_allow_deployment()
    {
        var version = Given(AwaitingApproval(RiskTier.Low));

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Equal(["approval_pending"], Codes(decision));
    }

    [Fact]
    public void A_version_never_put_forward_for_approval_cannot_be_deployed()
    {
        var version = Given(Validated());

        Assert.Equal(["no_approval_for_environment"], Codes(DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10))));
    }

    [Fact]
    public void A_retired_version_cannot_be_deployed_even_with_an_active_approval()
    {
        var version = Given([.. Approved(), VersionRetiredEvent(Day(9))]);

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Contains("version_retired", Codes(decision));
    }

    [Fact]
    public void An_unregistered_version_cannot_be_deployed()
    {
        var decision = DeploymentPolicy.Check((DeploymentGate?)null, ArtifactDigest, Production, Day(10));

        Assert.False(decision.Allowed);
        Assert.Equal(["model_version_not_registered"], Codes(decision));
    }

    [Fact]
    public void A_later_active_approval_allows_deployment_after_an_earlier_one_was_revoked()
    {
        var version = Given([
            .. Approved(RiskTier.Low),
            RevokedEvent(at: Day(8)),
            RequestedEvent(RiskTier.Low, "apr-prod-2", at: Day(9)),
            SignedOffEvent(OfficerA, Day(9.5), Day(100), "apr-prod-2"),
            ApprovedEvent([OfficerA], Day(9.5), Day(100), "apr-prod-2"),
        ]);

        var decision = DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(10));

        Assert.True(decision.Allowed);
        Assert.Equal("apr-prod-2", decision.ApprovalId);
    }
}

public class RecordDeploymentTests
{
    private static RecordDeployment Deploy(string? digest = null, string environment = Production) =>
        new(environment, "run-42", digest ?? ArtifactDigest, null);

    [Fact]
    public void An_allowed_deployment_is_recorded_with_the_approval_it_relied_on()
    {
        var version = Given(Approved());

        var e = DeploymentDecisions.Decide(Deploy(), version, Ctx(Pipeline, Day(10)));

        var deployed = Assert.IsType<ModelVersionDeployed>(e);
        Assert.Equal(ApprovalId, deployed.ApprovalId);
        Assert.Equal(ArtifactDigest, deployed.ArtifactDigest);
        Assert.Equal(Production, deployed.Environment);
        Assert.Equal("run-42", deployed.PipelineRunId);
    }

    [Fact]
    public void A_recorded_deployment_makes_the_environment_live()
    {
        var version = Given(Approved());

        version = ModelVersion.Evolve(version, DeploymentDecisions.Decide(Deploy(), version, Ctx(Pipeline, Day(10))))!;

        Assert.Equal(ModelVersionStatus.Deployed, version.Status);
        Assert.Equal([Production], version.LiveEnvironments);
    }

    public static TheoryData<string, string> RefusedScenarios =>
        new()
        {
            { "expired", "approval_expired" },
            { "revoked", "approval_revoked" },
            { "rejected", "approval_rejected" },
            { "pending", "approval_pending" },
            { "other-digest", "digest_mismatch" },
            { "other-environment", "no_approval_for_environment" },
            { "retired", "version_retired" },
        };

    [Theory]
    [MemberData(nameof(RefusedScenarios))]
    public void A_deployment_the_policy_denies_is_recorded_as_refused_with_its_reasons(string scenario, string expectedCode)
    {
        var (version, command) = scenario switch
        {
            "expired" => (Given(Approved(expiresAt: Day(5))), Deploy()),
            "revoked" => (Given([.. Approved(), RevokedEvent()]), Deploy()),
            "rejected" => (Given([.. AwaitingApproval(), RejectedEvent()]), Deploy()),
            "pending" => (Given([.. AwaitingApproval(), SignedOffEvent(OfficerA, Day(4))]), Deploy()),
            "other-digest" => (Given(Approved()), Deploy(digest: OtherDigest)),
            "other-environment" => (Given(Approved(environment: Staging)), Deploy()),
            "retired" => (Given([.. Approved(), VersionRetiredEvent()]), Deploy()),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var e = DeploymentDecisions.Decide(command, version, Ctx(Pipeline, Day(10)));

        var refused = Assert.IsType<DeploymentRefused>(e);
        Assert.Contains(expectedCode, refused.Reasons.Select(r => r.Code));
        Assert.Equal(command.Environment, refused.Environment);
        Assert.Equal(Digest.Normalize(command.ArtifactDigest!), refused.ArtifactDigest);
    }

    [Fact]
    public void A_refused_deployment_is_kept_as_evidence_without_moving_the_lifecycle()
    {
        var version = Given(Approved(expiresAt: Day(5)));
        var statusBefore = version.Status;

        version = ModelVersion.Evolve(version, DeploymentDecisions.Decide(Deploy(), version, Ctx(Pipeline, Day(10))))!;

        var refused = Assert.Single(version.RefusedDeployments);
        Assert.Equal(Pipeline, refused.AttemptedBy);
        Assert.Equal("approval_expired", Assert.Single(refused.Reasons).Code);
        Assert.Equal(statusBefore, version.Status);
        Assert.Empty(version.LiveEnvironments);
    }

    [Fact]
    public void A_deployment_report_with_a_malformed_digest_is_invalid_input()
    {
        var version = Given(Approved());

        InvalidField(() => DeploymentDecisions.Decide(Deploy(digest: "latest"), version, Ctx(Pipeline)), "artifactDigest");
    }

    [Fact]
    public void Rolling_back_an_environment_where_the_version_is_not_deployed_is_refused()
    {
        var version = Given(Approved());

        Refused(
            () => DeploymentDecisions.Decide(new RecordRollback(Production, "run-43", "Latency"), version, Ctx(Pipeline)),
            RuleKind.Conflict,
            "deployment.not_live"
        );
    }

    [Fact]
    public void Rolling_back_an_environment_that_was_already_rolled_back_is_refused()
    {
        var version = Given([.. Approved(), DeployedEvent(), RolledBackEvent()]);

        Refused(
            () => DeploymentDecisions.Decide(new RecordRollback(Production, "run-44", "Again"), version, Ctx(Pipeline)),
            RuleKind.Conflict,
            "deployment.not_live"
        );
    }

    [Fact]
    public void Rolling_back_a_live_deployment_takes_it_out_of_the_environment()
    {
        var version = Given([.. Approved(), DeployedEvent()]);

        var rolledBack = DeploymentDecisions.Decide(
            new RecordRollback(Production, "run-43", "Latency regression"),
            version,
            Ctx(Pipeline, Day(11))
        );
        version = ModelVersion.Evolve(version, rolledBack)!;

        Assert.Empty(version.LiveEnvironments);
        Assert.Equal(ModelVersionStatus.RolledBack, version.Status);
        var deployment = Assert.Single(version.Deployments);
        Assert.Equal(Day(11), deployment.RolledBackAt);
        Assert.Equal("Latency regression", deployment.RollbackReason);
    }

    [Fact]
    public void A_rollback_requires_a_reason()
    {
        var version = Given([.. Approved(), DeployedEvent()]);

        InvalidField(() => DeploymentDecisions.Decide(new RecordRollback(Production, "run-43", null), version, Ctx(Pipeline)), "reason");
    }
}
