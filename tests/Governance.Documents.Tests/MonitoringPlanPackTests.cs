using System.Text.RegularExpressions;
using Governance.Documents.EvidencePacks;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;

namespace Governance.Documents.Tests;

/// <summary>The monitoring plan signed with an approval, and the breaches recorded against it, in the Annex IV pack's
/// post-market section (EU AI Act Art. 72; issue 15 items 1 and 5), read back with poppler's <c>pdftotext</c>.</summary>
public sealed class MonitoringPlanPackTests
{
    private static string AnnexIv(EvidencePackInput input) =>
        Regex.Replace(PackTextTests.Pdftotext(EvidencePack.Render(EvidencePackKind.EuAiActAnnexIV, input).Pdf), @"\s+", " ");

    /// <summary>Section 9's text, from its heading in the body (the last occurrence: the contents list it first) to the
    /// incidents' heading.</summary>
    private static string Section(string text)
    {
        var start = text.LastIndexOf("Post-market monitoring plan (Article 72)", StringComparison.Ordinal);
        return text[start..text.IndexOf("Serious incidents and corrective actions", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void The_signed_plan_its_tests_and_the_breaches_recorded_against_it_are_in_the_annex_iv_pack()
    {
        var demo = GoldenPackTests.DemoCreditModel();
        var approval = demo.Version.Approvals[0];
        var plan = new MonitoringPlan(
            demo.Version.ValidationDatasetDigest,
            5000,
            [MonitoringPlanRules.DefaultFeature("Duration", FeatureKind.Numeric, 5000)],
            new MonitoredFeature("Probability", FeatureKind.Numeric, [new DriftTest(DriftStatistic.KolmogorovSmirnov, 0.05)]),
            StatisticPins.Default,
            MultipleTestingCorrection.BenjaminiHochberg,
            0.5,
            30,
            BreachAction.UnderReview,
            TimeSpan.Zero,
            [Roles.RiskOfficer]
        );
        var breach = new MonitoringBreach(
            "monitoring-1",
            "sha256:" + new string('1', 64),
            [new BreachingFeature("Duration", DriftStatistic.Psi, 0.41, 0.25)],
            BreachAction.UnderReview,
            "review-1",
            new Actor("client:monitoring-job", Roles.DeploymentPipeline),
            new DateTimeOffset(2026, 11, 20, 6, 0, 0, TimeSpan.Zero)
        );
        var input = demo with
        {
            Version = demo.Version with
            {
                Approvals = [approval with { MonitoringPlan = plan, Breaches = [breach] }, .. demo.Version.Approvals.Skip(1)],
            },
        };

        var section = Section(AnnexIv(input));

        Assert.Contains($"Plan signed with approval {approval.Id}", section);
        Assert.Contains("a report at least every 30 days", section);
        Assert.Contains("the approval is under review", section);
        Assert.Contains("Psi >= 0.25 (watch 0.1)", section);
        Assert.Contains("KolmogorovSmirnov p < 0.05", section);
        Assert.Contains("PSI on 10 quantile bins", section);
        Assert.Contains("Breaches recorded: 1, the last on 2026-11-20", section);
        Assert.DoesNotContain("No approval of this version signs", section);
    }

    [Fact]
    public void Without_a_signed_plan_the_pack_says_so() =>
        Assert.Contains(
            "No approval of this version signs a post-market monitoring plan",
            Section(AnnexIv(GoldenPackTests.DemoCreditModel()))
        );
}
