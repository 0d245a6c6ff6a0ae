using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>The monitoring plan and decision policy stated in an approval request (issue 15 item 1).</summary>
public class MonitoringPlanTests
{
    internal static MonitoringPlan Plan(
        BreachAction onBreach = BreachAction.UnderReview,
        int cadenceDays = 30,
        TimeSpan? drain = null,
        string? reference = null,
        int referenceRows = 5000
    ) =>
        new(
            reference ?? TrainingDigest,
            referenceRows,
            [
                MonitoringPlanRules.DefaultFeature("Duration", FeatureKind.Numeric, referenceRows),
                MonitoringPlanRules.DefaultFeature("Purpose", FeatureKind.Categorical, referenceRows),
            ],
            MonitoringPlanRules.DefaultFeature("Score", FeatureKind.Numeric, referenceRows),
            StatisticPins.Default,
            MultipleTestingCorrection.None,
            0.5,
            cadenceDays,
            onBreach,
            drain ?? TimeSpan.FromHours(1),
            [Roles.RiskOfficer, OfficerA.SubjectId]
        );

    internal static readonly DecisionPolicy Policy = new([0.42], new CostMatrix(0, 1, 5, 0), "platt");

    private static ApprovalRequested Request(
        MonitoringPlan? plan,
        DecisionPolicy? policy = null,
        RiskTier tier = RiskTier.High,
        ModelVersion? version = null
    ) =>
        RequestApprovalDecision.Decide(
            new RequestApproval("apr-new", Production, "Score retail applications", null, plan, policy),
            TheModel,
            version ?? Given(Validated(tier)),
            Ctx(Owner),
            ApprovalPolicy.Default
        );

    [Fact]
    public void The_default_tests_follow_the_reference_size_p_values_up_to_1000_rows_distances_above()
    {
        var psi = new DriftTest(DriftStatistic.Psi, 0.25, 0.1);
        Assert.Equal(
            [psi, new DriftTest(DriftStatistic.KolmogorovSmirnov, 0.05)],
            MonitoringPlanRules.DefaultTests(FeatureKind.Numeric, 1000)
        );
        Assert.Equal([psi, new DriftTest(DriftStatistic.ChiSquare, 0.05)], MonitoringPlanRules.DefaultTests(FeatureKind.Categorical, 800));
        Assert.Equal(
            [psi, new DriftTest(DriftStatistic.NormalizedWasserstein, 0.1), new DriftTest(DriftStatistic.JensenShannon, 0.1)],
            MonitoringPlanRules.DefaultTests(FeatureKind.Numeric, 1001)
        );
        Assert.Equal(
            [psi, new DriftTest(DriftStatistic.JensenShannon, 0.1)],
            MonitoringPlanRules.DefaultTests(FeatureKind.Categorical, 100_000)
        );
    }

    [Fact]
    public void A_request_with_a_plan_and_a_policy_carries_them_with_the_pins_filled_in_and_the_digest_normalised()
    {
        var plan = Plan(reference: TrainingDigest.ToUpperInvariant().Replace("SHA256:", "sha256:")) with { Pins = null! };

        var requested = Request(plan, Policy);

        Assert.Equal(["Duration", "Purpose"], requested.MonitoringPlan!.Features.Select(f => f.Name));
        Assert.Equal((30, BreachAction.UnderReview), (requested.MonitoringPlan.CadenceDays, requested.MonitoringPlan.OnBreach));
        Assert.Equal(StatisticPins.Default, requested.MonitoringPlan.Pins);
        Assert.Equal(TrainingDigest, requested.MonitoringPlan.ReferenceDatasetDigest);
        Assert.Same(Policy, requested.DecisionPolicy);
        var approval = Given([.. Validated(), requested]).FindApproval("apr-new")!;
        Assert.Equal((requested.MonitoringPlan, Policy), (approval.MonitoringPlan, approval.DecisionPolicy));
    }

    [Fact]
    public void A_request_without_a_plan_still_opens_an_approval_as_before()
    {
        var requested = Request(null);

        Assert.Null(requested.MonitoringPlan);
        Assert.Null(requested.DecisionPolicy);
    }

    [Fact]
    public void The_reference_must_be_the_versions_training_or_validation_dataset()
    {
        Request(Plan(reference: ValidationDigest));

        InvalidField(() => Request(Plan(reference: OtherDigest)), "monitoringPlan.referenceDatasetDigest");
    }

    [Fact]
    public void Every_problem_of_a_plan_and_a_policy_is_named_at_once()
    {
        var plan = Plan() with
        {
            Features =
            [
                new MonitoredFeature("Duration", FeatureKind.Numeric, [new DriftTest(DriftStatistic.KolmogorovSmirnov, 1.5)]),
                new MonitoredFeature("Duration", FeatureKind.Numeric, [new DriftTest(DriftStatistic.Psi, 0.25, 0.3)]),
                new MonitoredFeature("Purpose", FeatureKind.Categorical, []),
                new MonitoredFeature(
                    "Housing",
                    FeatureKind.Categorical,
                    [new DriftTest(DriftStatistic.NormalizedWasserstein, 0.1), new DriftTest(DriftStatistic.JensenShannon, 1.2)]
                ),
                new MonitoredFeature(
                    "Age",
                    FeatureKind.Numeric,
                    [new DriftTest(DriftStatistic.Psi, 0), new DriftTest(DriftStatistic.Psi, 0.2)]
                ),
            ],
            Pins = new StatisticPins(1, 0.5, "exact"),
            DatasetDriftShare = 0,
            CadenceDays = 31,
            DrainPeriod = TimeSpan.FromHours(25),
            Alert = [],
        };
        var policy = new DecisionPolicy([0.6, 0.4, 1.2], new CostMatrix(0, double.NaN, 5, 0), "magic");

        var refused = Refused(() => Request(plan, policy), RuleKind.InvalidInput, "invalid_input");

        Assert.Equal(
            [
                "decisionPolicy.calibrationMethod",
                "decisionPolicy.costs.falsePositive",
                "decisionPolicy.thresholds[1]",
                "decisionPolicy.thresholds[2]",
                "monitoringPlan.alert",
                "monitoringPlan.cadenceDays",
                "monitoringPlan.datasetDriftShare",
                "monitoringPlan.drainPeriod",
                "monitoringPlan.features[0].tests[0].threshold",
                "monitoringPlan.features[1].name",
                "monitoringPlan.features[1].tests[0].watchThreshold",
                "monitoringPlan.features[2].tests",
                "monitoringPlan.features[3].tests[0].statistic",
                "monitoringPlan.features[3].tests[1].threshold",
                "monitoringPlan.features[4].tests[0].threshold",
                "monitoringPlan.features[4].tests[1].statistic",
                "monitoringPlan.pins.emptyBinShare",
                "monitoringPlan.pins.ksMethod",
                "monitoringPlan.pins.psiBins",
            ],
            refused.FieldErrors.Keys.Order(StringComparer.Ordinal)
        );
    }

    [Theory]
    [InlineData(RiskTier.High, 30, true)]
    [InlineData(RiskTier.High, 31, false)]
    [InlineData(RiskTier.Medium, 90, true)]
    [InlineData(RiskTier.Medium, 91, false)]
    [InlineData(RiskTier.Low, 180, true)]
    [InlineData(RiskTier.Low, 181, false)]
    [InlineData(RiskTier.Low, 0, false)]
    public void The_cadence_is_no_less_frequent_than_the_risk_tier_requires(RiskTier tier, int days, bool accepted)
    {
        Func<object> request = () => Request(Plan(cadenceDays: days), tier: tier);

        if (accepted)
            request();
        else
            InvalidField(request, "monitoringPlan.cadenceDays");
    }
}

/// <summary>A breach is a governed state change (issue 15 item 4): given-when-then on whole events, and what the approval
/// check answers after each.</summary>
public class BreachGovernanceTests
{
    private const string ReportDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly BreachingFeature[] Breaching = [new("Duration", DriftStatistic.Psi, 0.31, 0.25)];

    internal static object[] ApprovedWithPlan(BreachAction action, TimeSpan? drain = null)
    {
        var events = Approved();
        var requested = (ApprovalRequested)events.Single(e => e is ApprovalRequested);
        return
        [
            .. events.Select(e =>
                ReferenceEquals(e, requested) ? requested with { MonitoringPlan = MonitoringPlanTests.Plan(action, drain: drain) } : e
            ),
        ];
    }

    private static MonitoringBreachRecorded Breach(ModelVersion version, string reportId = "report-1", DateTimeOffset? now = null) =>
        BreachDecisions.Decide(
            new RecordMonitoringBreach("review-1", Production, reportId, ReportDigest, Breaching),
            version,
            Ctx(Pipeline, now ?? Day(20))
        );

    private static DeploymentDecision Check(ModelVersion version, DateTimeOffset? now = null) =>
        DeploymentPolicy.Check(version, ArtifactDigest, Production, now ?? Day(21));

    [Fact]
    public void A_warning_is_recorded_and_the_approval_stands_without_a_review()
    {
        var version = Given(ApprovedWithPlan(BreachAction.Warn));

        var breach = Breach(version);

        Assert.Equal(
            new MonitoringBreachRecorded(
                ModelId,
                VersionLabel,
                ApprovalId,
                Production,
                "report-1",
                ReportDigest,
                Breaching,
                BreachAction.Warn,
                null,
                null,
                breach.Audit
            ),
            breach with
            {
                Features = Breaching,
            }
        );
        Assert.Contains("warning recorded", breach.Audit.Reason);
        var after = Given([.. ApprovedWithPlan(BreachAction.Warn), breach]);
        Assert.Equal(new DeploymentDecision(true, ApprovalId, DefaultExpiry, []), Check(after));
        Assert.Null(after.FindApproval(ApprovalId)!.OpenReview);
    }

    [Fact]
    public void Under_review_the_check_still_allows_with_reason_under_review_and_a_review_opens()
    {
        var given = ApprovedWithPlan(BreachAction.UnderReview);
        var breach = Breach(Given(given));

        Assert.Equal((BreachAction.UnderReview, "review-1", (DateTimeOffset?)null), (breach.Action, breach.ReviewId, breach.DrainUntil));
        var after = Given([.. given, breach]);
        var decision = Check(after);
        Assert.True(decision.Allowed);
        Assert.Equal("under_review", Assert.Single(decision.Reasons).Code);
        var review = after.FindApproval(ApprovalId)!.OpenReview!;
        Assert.Equal(
            ("review-1", BreachAction.UnderReview, Day(20), (DateTimeOffset?)null),
            (review.Id, review.Action, review.OpenedAt, review.DrainUntil)
        );
        Assert.Equal(["report-1"], review.ReportIds);
    }

    [Fact]
    public void Suspended_the_check_denies_with_reason_suspended_and_the_drain_period_runs_from_the_breach()
    {
        var given = ApprovedWithPlan(BreachAction.Suspend, TimeSpan.FromMinutes(30));
        var breach = Breach(Given(given));

        Assert.Equal(Day(20).AddMinutes(30), breach.DrainUntil);
        var after = Given([.. given, breach]);
        var decision = Check(after);
        Assert.False(decision.Allowed);
        Assert.Equal("suspended", Assert.Single(decision.Reasons).Code);
        Assert.False(after.FindApproval(ApprovalId)!.IsActiveAt(Day(21)));
    }

    [Fact]
    public void A_second_breach_while_the_review_is_open_is_added_to_it_and_keeps_its_drain_period()
    {
        var given = ApprovedWithPlan(BreachAction.Suspend);
        var first = Breach(Given(given));
        var second = Breach(Given([.. given, first]), "report-2", Day(22));

        Assert.Equal(("review-1", first.DrainUntil), (second.ReviewId, second.DrainUntil));
        var review = Given([.. given, first, second]).FindApproval(ApprovalId)!.OpenReview!;
        Assert.Equal(["report-1", "report-2"], review.ReportIds);
        Refused(() => Breach(Given([.. given, first]), "report-1"), RuleKind.Conflict, "monitoring.breach_already_recorded");
    }

    [Fact]
    public void A_breach_needs_a_granted_approval_with_a_plan_and_a_well_formed_report()
    {
        Refused(() => Breach(Given(Approved())), RuleKind.Conflict, "monitoring.no_plan");
        InvalidField(
            () =>
                BreachDecisions.Decide(
                    new RecordMonitoringBreach("r", Production, "report-1", "sha256:nope", []),
                    Given(ApprovedWithPlan(BreachAction.Warn)),
                    Ctx(Pipeline, Day(20))
                ),
            "reportDigest"
        );
    }

    private static IReadOnlyList<IModelVersionEvent> Resolve(
        object[] history,
        BreachResolution resolution,
        Actor? officer = null,
        string reviewId = "review-1"
    ) =>
        BreachDecisions.Decide(
            new ResolveBreachReview(ApprovalId, reviewId, resolution, "Drift explained by a seasonal campaign"),
            TheModel,
            Given(history),
            Ctx(officer ?? OfficerA, Day(23))
        );

    private static object[] Breached(BreachAction action)
    {
        var given = ApprovedWithPlan(action);
        return [.. given, Breach(Given(given))];
    }

    [Fact]
    public void Accepted_with_rationale_the_suspended_approval_stands_again()
    {
        var history = Breached(BreachAction.Suspend);

        var events = Resolve(history, BreachResolution.Accepted);

        var resolved = Assert.IsType<BreachReviewResolved>(Assert.Single(events));
        Assert.Equal(("review-1", BreachResolution.Accepted), (resolved.ReviewId, resolved.Resolution));
        AssertAudit(resolved, Ctx(OfficerA, Day(23)), "Drift explained by a seasonal campaign");
        var after = Given([.. history, .. events]);
        Assert.Equal(new DeploymentDecision(true, ApprovalId, DefaultExpiry, []), Check(after, Day(24)));
        Refused(() => Resolve([.. history, .. events], BreachResolution.Revoked), RuleKind.Conflict, "breach_review.resolved");
    }

    [Fact]
    public void Revoked_the_approval_is_revoked_in_the_same_decision()
    {
        var history = Breached(BreachAction.UnderReview);

        var events = Resolve(history, BreachResolution.Revoked);

        Assert.Equal([typeof(BreachReviewResolved), typeof(ApprovalRevoked)], events.Select(e => e.GetType()));
        var after = Given([.. history, .. events]);
        Assert.Equal("approval_revoked", Assert.Single(Check(after, Day(24)).Reasons).Code);
    }

    [Fact]
    public void Revalidation_required_revokes_and_sets_the_validation_aside_so_no_approval_can_be_requested()
    {
        var history = Breached(BreachAction.UnderReview);

        var events = Resolve(history, BreachResolution.RevalidationRequired);

        Assert.Equal([typeof(BreachReviewResolved), typeof(ApprovalRevoked)], events.Select(e => e.GetType()));
        Assert.StartsWith("Revalidation required after a monitoring breach", events[1].Audit.Reason);
        var after = Given([.. history, .. events]);
        Assert.Null(after.Validation);
        Refused(
            () =>
                RequestApprovalDecision.Decide(
                    new RequestApproval("apr-2", Production, "Score retail applications", null),
                    TheModel,
                    after,
                    Ctx(Owner, Day(24)),
                    ApprovalPolicy.Default
                ),
            RuleKind.Conflict,
            "approval.not_validated"
        );
    }

    [Theory]
    [InlineData("owner", "segregation_of_duties.model_owner_cannot_resolve")]
    [InlineData("validator", "segregation_of_duties.validator_cannot_resolve")]
    [InlineData("registrant", "segregation_of_duties.developer_cannot_resolve")]
    public void A_conflicted_officer_cannot_resolve_a_review(string party, string code)
    {
        var officer = party switch
        {
            "owner" => Owner,
            "validator" => Validator,
            _ => Developer,
        } with
        {
            Role = Roles.RiskOfficer,
        };

        Refused(() => Resolve(Breached(BreachAction.Suspend), BreachResolution.Accepted, officer), RuleKind.Forbidden, code);
    }

    [Fact]
    public void An_unknown_review_is_not_found_and_a_resolution_is_required()
    {
        Refused(
            () => Resolve(Breached(BreachAction.Suspend), BreachResolution.Accepted, reviewId: "nope"),
            RuleKind.NotFound,
            "breach_review.not_found"
        );
        InvalidField(
            () =>
                BreachDecisions.Decide(
                    new ResolveBreachReview(ApprovalId, "review-1", null, " "),
                    TheModel,
                    Given(Breached(BreachAction.Suspend)),
                    Ctx(OfficerA, Day(23))
                ),
            "resolution"
        );
    }
}

/// <summary>Which plan a monitoring report is judged against (issue 15 items 1 and 3): the one signed with the version's
/// approval in the environment, else one stated with the report.</summary>
public class GoverningPlanTests
{
    private static GovernanceRuleException Refused(ModelVersion version, MonitoringPlan? stated, DateTimeOffset? now = null) =>
        Assert.Throws<GovernanceRuleException>(() =>
            MonitoringDecisions.Decide(
                new RecordMonitoringReport("monitoring-1", Production, stated, null, null),
                TheModel,
                version,
                [],
                Ctx(Pipeline, now ?? Day(20))
            )
        );

    [Fact]
    public void The_signed_plan_governs_the_environment_while_its_approval_is_granted_and_unexpired()
    {
        var version = Given(BreachGovernanceTests.ApprovedWithPlan(BreachAction.UnderReview));

        Assert.Equal(ApprovalId, BreachDecisions.GoverningApproval(version, Production, Day(20))?.Id);
        Assert.Null(BreachDecisions.GoverningApproval(version, "staging", Day(20)));
        Assert.Null(BreachDecisions.GoverningApproval(version, Production, DefaultExpiry));
        Assert.Null(BreachDecisions.GoverningApproval(Given(Approved()), Production, Day(20)));
    }

    [Fact]
    public void Under_a_signed_plan_a_different_stated_plan_is_refused_naming_the_approval_and_the_signed_one_is_accepted()
    {
        var version = Given(BreachGovernanceTests.ApprovedWithPlan(BreachAction.UnderReview));

        var refused = Refused(version, MonitoringPlanTests.Plan(cadenceDays: 7));
        Assert.Contains(ApprovalId, Assert.Single(refused.FieldErrors["plan"]));

        // The signed plan itself, or none, passes the plan check: only the missing report is named then.
        var signed = version.FindApproval(ApprovalId)!.MonitoringPlan;
        Assert.Equal(["report"], Refused(version, signed).FieldErrors.Keys);
        Assert.Equal(["report"], Refused(version, null).FieldErrors.Keys);
    }

    [Fact]
    public void Without_a_signed_plan_the_report_must_state_one()
    {
        var refused = Refused(Given(Approved()), null);

        Assert.Contains("no granted approval", Assert.Single(refused.FieldErrors["plan"]));
        // Once the approval has expired its plan no longer governs either.
        var expired = Refused(Given(BreachGovernanceTests.ApprovedWithPlan(BreachAction.Warn)), null, DefaultExpiry.AddDays(1));
        Assert.Contains("no granted approval", Assert.Single(expired.FieldErrors["plan"]));
    }
}
