using System.Security.Claims;
using System.Text.RegularExpressions;
using Bunit;
using Governance.Domain.Approvals;
using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.Incidents;
using Governance.Ledger.Monitoring;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Ui.Tests;

/// <summary>Monitoring as the desk answers it, in memory: one version (credit 1.1.0) with daily reports in production, the
/// approval that signed its plan with its breach and review, and the overview's reviews and incidents.</summary>
internal sealed class MonitoringInMemory : IMonitoringDesk
{
    private static readonly DateTimeOffset Day0 = DeskWithOneRequest.T0;
    private static readonly Actor Job = new("client:monitoring-job", Roles.DeploymentPipeline);

    public static readonly MonitoringPlan Plan = new(
        "sha256:" + new string('c', 64),
        5000,
        [new MonitoredFeature("Duration", FeatureKind.Numeric, [new DriftTest(DriftStatistic.Psi, 0.25, 0.1)])],
        new MonitoredFeature("Score", FeatureKind.Numeric, [new DriftTest(DriftStatistic.KolmogorovSmirnov, 0.05)]),
        StatisticPins.Default,
        MultipleTestingCorrection.None,
        0.5,
        7,
        BreachAction.UnderReview,
        TimeSpan.Zero,
        [Roles.RiskOfficer]
    );

    /// <summary>Report i's PSI of Duration: stable for four days, watch on the fifth, breach on the sixth and seventh.</summary>
    private static readonly double[] Psi = [0.02, 0.03, 0.05, 0.04, 0.12, 0.31, 0.42];

    public static readonly IReadOnlyList<RecordedMonitoringReport> Reports = Psi.Select((psi, i) => Report(i, psi)).ToArray();

    public static readonly BreachReview Open = new("review-1", BreachAction.UnderReview, Day0.AddDays(6), null, ["report-5", "report-6"]);

    /// <summary>The granted approval of the test desk's version, with the signed plan, two breaches and their open review.</summary>
    public static readonly Approval Approval = DeskWithOneRequest.Version.FindApproval("approval-1")! with
    {
        Status = ApprovalStatus.Approved,
        ExpiresAt = Day0.AddYears(1),
        MonitoringPlan = Plan,
        Breaches =
        [
            .. new[] { 5, 6 }.Select(i => new MonitoringBreach(
                $"report-{i}",
                Reports[i].ReportDigest,
                [new BreachingFeature("Duration", DriftStatistic.Psi, Psi[i], 0.25)],
                BreachAction.UnderReview,
                "review-1",
                Job,
                Day0.AddDays(i + 1)
            )),
        ],
        Reviews = [Open],
    };

    public List<IncidentStanding> Incidents { get; } =
    [
        new(Incident("incident-1", "Applicants in one region refused without cause", null), IncidentReportingStatus.Due),
        new(
            Incident("incident-2", "Scores reversed for a week", new IncidentReport("BaFin", "BA-2026-17", Day0, Job)),
            IncidentReportingStatus.Reported
        ),
    ];

    public string? ReviewConflict { get; set; }

    public Task<VersionMonitoring?> VersionAsync(string modelId, string version, string environment, CancellationToken ct) =>
        Task.FromResult(
            modelId == "credit" && version == "1.1.0"
                ? new VersionMonitoring(DeskWithOneRequest.Model, DeskWithOneRequest.Version, environment, Approval, Reports)
                : null
        );

    public Task<RecordedMonitoringReport?> ReportAsync(string reportId, CancellationToken ct) =>
        Task.FromResult(Reports.FirstOrDefault(r => r.ReportId == reportId));

    public Task<MonitoringOverview> OverviewAsync(ClaimsPrincipal viewer, CancellationToken ct) =>
        Task.FromResult(
            new MonitoringOverview(
                [
                    new BreachReviewItem(
                        "review-1",
                        "approval-1",
                        "credit",
                        "Retail credit scoring",
                        "1.1.0",
                        "production",
                        RiskTier.High,
                        BreachAction.UnderReview,
                        Open.OpenedAt,
                        null,
                        Open.ReportIds,
                        Approval.Breaches.SelectMany(b => b.Features).ToArray(),
                        ReviewConflict
                    ),
                ],
                Incidents
            )
        );

    private static SeriousIncident Incident(string id, string what, IncidentReport? report) =>
        new()
        {
            Id = id,
            ModelId = "credit",
            Version = "1.1.0",
            Description = what,
            Category = IncidentCategory.FundamentalRightsInfringement,
            AffectedPersons = 40,
            AwareAt = Day0,
            ReportDueBy = Day0.AddDays(15),
            RecordedAt = Day0,
            RecordedBy = Job,
            Report = report,
        };

    private static RecordedMonitoringReport Report(int day, double psi)
    {
        var verdict =
            psi >= 0.25 ? MonitoringVerdict.Drift
            : psi >= 0.1 ? MonitoringVerdict.Watch
            : MonitoringVerdict.Stable;
        var bins = new Binning([1, 2], null, [10, 10, 10], [10, 10, 10]);
        var duration = new FeatureOutcome(
            "Duration",
            FeatureKind.Numeric,
            5000,
            1000,
            0,
            3.2,
            bins,
            [new TestOutcome(DriftStatistic.Psi, psi, null, null, 0.25, 0.1, verdict)],
            verdict
        );
        var score = new FeatureOutcome(
            "Score",
            FeatureKind.Numeric,
            5000,
            1000,
            0,
            0.2,
            bins,
            [new TestOutcome(DriftStatistic.KolmogorovSmirnov, 0.03, 0.4, null, 0.05, null, MonitoringVerdict.Stable)],
            MonitoringVerdict.Stable
        );
        var report = new MonitoringReport(
            MonitoringComparison.Drift,
            Day0.AddDays(day),
            Day0.AddDays(day + 1),
            1000,
            5000,
            "sha256:" + new string('c', 64),
            "sha256:" + new string((char)('0' + day), 64),
            StatisticPins.Default,
            MultipleTestingCorrection.None,
            [duration],
            score,
            verdict == MonitoringVerdict.Drift ? 1 : 0,
            verdict == MonitoringVerdict.Drift,
            verdict == MonitoringVerdict.Drift ? MonitoringVerdict.Breach : verdict
        );
        return new RecordedMonitoringReport(
            $"report-{day}",
            "monitoring-credit-1.1.0-production",
            "credit",
            "1.1.0",
            "production",
            "sha256:" + new string((char)('a' + day), 64),
            "sha256:" + new string('f', 64),
            "approval:approval-1",
            Plan,
            report,
            Day0.AddDays(day + 1),
            Job
        );
    }
}

/// <summary>The monitoring page per deployed version, a report's page, the overview of breaches and incidents, the
/// dashboard's counts, and a risk officer resolving a breach review (issue 15 item 6).</summary>
public sealed class MonitoringPageTests
{
    private static string Text(string text) => Regex.Replace(text, @"\s+", " ");

    private static async Task<(BunitContext Context, DeskWithOneRequest Desk, MonitoringInMemory Monitoring)> Context(
        string role = Roles.RiskOfficer
    )
    {
        var (context, desk) = await ComponentTests.Context(role);
        var monitoring = (MonitoringInMemory)context.Services.GetRequiredService<IMonitoringDesk>();
        return (context, desk, monitoring);
    }

    [Fact]
    public async Task Each_statistic_is_drawn_over_time_with_the_plans_thresholds_drift_and_breaches_marked_and_reports_linked()
    {
        var (context, _, _) = await Context();
        await using var _ = context;
        var page = context.Render<MonitoringPage>(p =>
            p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0").Add(x => x.Environment, "production")
        );
        page.WaitForAssertion(() => page.Find("#statistics"));

        // One chart per test of the plan: Duration's PSI and the score's KS p-value.
        var psi = page.Find("#chart-0");
        Assert.Equal(7, psi.QuerySelectorAll("circle.point").Length);
        Assert.Equal(2, psi.QuerySelectorAll("circle.drift").Length);
        Assert.Equal(2, psi.QuerySelectorAll("rect.breach-band").Length);
        Assert.Single(psi.QuerySelectorAll("line.threshold"));
        Assert.Single(psi.QuerySelectorAll("line.watch"));
        Assert.Contains("threshold 0.25", psi.InnerHtml);
        Assert.Contains(
            "Duration: PSI over 7 report(s); drift at or above 0.25, watch from 0.1; 2 drifted, 2 in reports that breached",
            Text(psi.QuerySelector("figcaption")!.TextContent)
        );
        var ks = page.Find("#chart-1");
        Assert.Contains("Score (score): KS p-value", ks.TextContent);
        Assert.Contains("drift below 0.05", ks.TextContent);
        Assert.Empty(ks.QuerySelectorAll("line.watch"));

        // Every report is listed and linked to its page; the breaches recorded on the approval are marked.
        var links = page.FindAll("#reports a").Select(a => a.GetAttribute("href")).ToArray();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"/monitoring/reports/report-{i}").Reverse(), links);
        Assert.Equal(2, page.FindAll("#reports .recorded-breach").Count);
        Assert.Contains("Under review after a monitoring breach", page.Find("#standing").TextContent);
        Assert.Contains("next report due by 2026-10-15", page.Find("#cadence").TextContent);
    }

    [Theory]
    [InlineData(Roles.RiskOfficer, true)]
    [InlineData(Roles.Auditor, false)]
    public async Task The_open_breach_review_links_a_risk_officer_to_where_it_is_resolved(string role, bool link)
    {
        var (context, _, _) = await Context(role);
        await using var _ = context;
        var page = context.Render<MonitoringPage>(p =>
            p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0").Add(x => x.Environment, "production")
        );
        page.WaitForAssertion(() => page.Find("#open-breach-review"));
        var review = page.Find("#open-breach-review");
        Assert.Contains("Breach review review-1 open", review.TextContent);
        Assert.Contains("Duration Psi 0.31; Duration Psi 0.42", review.TextContent);
        Assert.Equal(link, review.QuerySelector("#resolve-review") is not null);
        if (link)
            Assert.Equal("/approvals/approval-1#breach-review", review.QuerySelector("#resolve-review")!.GetAttribute("href"));
        else
            Assert.Contains("A risk officer independent of the model resolves it", review.TextContent);
    }

    [Fact]
    public async Task An_unknown_version_says_so()
    {
        var (context, _, _) = await Context();
        await using var _ = context;
        var page = context.Render<MonitoringPage>(p =>
            p.Add(x => x.ModelId, "credit").Add(x => x.Version, "9.9.9").Add(x => x.Environment, "production")
        );
        page.WaitForAssertion(() => Assert.Contains("There is no version 9.9.9 of model credit", page.Find("#not-found").TextContent));
    }

    [Fact]
    public async Task A_report_reads_whole_with_its_digests_tests_and_bins()
    {
        var (context, _, _) = await Context(Roles.Auditor);
        await using var _ = context;
        var page = context.Render<MonitoringReportPage>(p => p.Add(x => x.ReportId, "report-6"));
        page.WaitForAssertion(() => page.Find("#report-facts"));
        Assert.Equal("Breach (dataset drift)", page.Find("#report-verdict").TextContent);
        Assert.Contains("sha256:" + new string('6', 64), page.Markup);
        Assert.Contains("0.42", page.Markup);
        Assert.Contains("edges 1, 2; reference counts 10, 10, 10", Text(page.Markup));
        Assert.Equal("/models/credit/versions/1.1.0/monitoring/production", page.Find("#monitoring-link").GetAttribute("href"));
    }

    [Fact]
    public async Task The_overview_lists_open_reviews_and_filters_incidents_to_those_due()
    {
        var (context, _, monitoring) = await Context();
        await using var _ = context;
        var all = context.Render<MonitoringOverviewPage>();
        all.WaitForAssertion(() => Assert.Equal(2, all.FindAll("tr.incident").Count));
        Assert.Single(all.FindAll("#breach-reviews .resolve-link"));
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("/monitoring?incidents=due");
        var due = context.Render<MonitoringOverviewPage>();
        due.WaitForAssertion(() => Assert.Single(due.FindAll("tr.incident")));
        Assert.Contains("Applicants in one region", due.Find("tr.incident").TextContent);
        Assert.Contains("2026-10-16 09:00 UTC", due.Find("tr.incident").TextContent);

        // An officer not independent of the version sees the review, but no way to resolve it.
        monitoring.ReviewConflict = "The model owner cannot resolve their own model version.";
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("/monitoring");
        var conflicted = context.Render<MonitoringOverviewPage>();
        conflicted.WaitForAssertion(() => conflicted.Find("tr.breach-review"));
        Assert.Empty(conflicted.FindAll(".resolve-link"));
    }

    [Fact]
    public async Task The_dashboard_counts_open_breach_reviews_and_incidents_due_each_opening_its_list()
    {
        var (context, _, _) = await Context(Roles.Validator);
        await using var _ = context;
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Equal("1", page.Find("#breach-reviews-open").TextContent));
        Assert.Equal("1", page.Find("#incidents-due").TextContent);
        var links = page.FindAll(".count-tile a").Select(a => a.GetAttribute("href")).ToArray();
        Assert.Contains("/monitoring#breach-reviews", links);
        Assert.Contains("/monitoring?incidents=due#incidents", links);
    }

    [Fact]
    public async Task A_risk_officer_resolves_the_open_review_on_the_approval_with_a_resolution_and_a_rationale()
    {
        var (context, desk, _) = await Context();
        await using var _ = context;
        desk.ReviewFile = () =>
            new ReviewFile(MonitoringInMemory.Approval, DeskWithOneRequest.Version, DeskWithOneRequest.Model, null, null, [], 9);
        desk.NextOutcome = new DecisionOutcome(true, null, "Accepted: the review is closed with your rationale.");
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#breach-review"));
        Assert.Contains("/monitoring/reports/report-5", page.Find("#breach-review").InnerHtml);

        // Neither a resolution nor a rationale: refused on the page, nothing sent.
        page.Find("#resolve-breach").Click();
        page.WaitForAssertion(() => Assert.Contains("Choose a resolution", page.Find("#breach-refused").TextContent));
        page.FindAll("#breach-review input[type=radio]")[0].Click();
        page.Find("#resolve-breach").Click();
        page.WaitForAssertion(() => Assert.Contains("Give the rationale", page.Find("#breach-refused").TextContent));
        Assert.DoesNotContain(desk.Commands, c => c.Command == "resolve-breach");

        page.Find("#breach-rationale").Input("Seasonal campaign explains the longer durations.");
        page.Find("#resolve-breach").Click();
        page.WaitForAssertion(() => page.Find("#breach-resolved"));
        var (_, argument) = Assert.Single(desk.Commands, c => c.Command == "resolve-breach");
        Assert.Equal(
            ("approval-1", "review-1", BreachResolution.Accepted, "Seasonal campaign explains the longer durations.", 9L),
            argument
        );
    }
}
