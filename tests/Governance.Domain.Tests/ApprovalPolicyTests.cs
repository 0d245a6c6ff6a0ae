using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>The approval policy is a value the deciders are given: replacing it changes the rule without touching callers.</summary>
public sealed class ApprovalPolicyTests
{
    private static RequestApproval Request => new(ApprovalId, Production, "Score retail applications", "Go-live");

    [Fact]
    public void By_default_a_high_risk_model_needs_two_distinct_risk_officers()
    {
        VersionSpec
            .Given(VersionRegistered(RiskTier.High), SubmittedEvent(), ValidationCompletedEvent())
            .When(v => [RequestApprovalDecision.Decide(Request, TheModel, v, Ctx(Owner, Day(3)), ApprovalPolicy.Default)])
            .Then(
                new ApprovalRequested(
                    ModelId,
                    VersionLabel,
                    ApprovalId,
                    Production,
                    "Score retail applications",
                    ArtifactDigest,
                    2,
                    new Audit(Owner, Day(3), "Go-live", CorrelationId)
                )
            );
    }

    [Fact]
    public void A_policy_that_asks_more_of_low_risk_models_is_what_the_request_records()
    {
        var stricter = ApprovalPolicy.Default with { OtherApprovers = 3 };
        VersionSpec
            .Given(VersionRegistered(RiskTier.Low), SubmittedEvent(), ValidationCompletedEvent())
            .When(v => [RequestApprovalDecision.Decide(Request, TheModel, v, Ctx(Owner, Day(3)), stricter)])
            .Then(
                new ApprovalRequested(
                    ModelId,
                    VersionLabel,
                    ApprovalId,
                    Production,
                    "Score retail applications",
                    ArtifactDigest,
                    3,
                    new Audit(Owner, Day(3), "Go-live", CorrelationId)
                )
            );
    }

    [Fact]
    public void A_high_risk_request_is_due_in_five_days_and_others_in_ten_unless_the_policy_says_otherwise()
    {
        Assert.Equal(Day(5), ApprovalPolicy.Default.ReviewDueBy(RiskTier.High, T0));
        Assert.Equal(Day(10), ApprovalPolicy.Default.ReviewDueBy(RiskTier.Medium, T0));
        Assert.Equal(Day(3), (ApprovalPolicy.Default with { HighRiskReviewDays = 3 }).ReviewDueBy(RiskTier.High, T0));
    }
}
