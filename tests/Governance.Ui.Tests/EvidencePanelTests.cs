using Bunit;
using Governance.Documents.Tests;
using Governance.Domain.Evidence;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ui.Components.Evidence;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>The recorded evidence as the review and model pages show it: charts as accessible SVG with data tables, the bias
/// table, the validator's findings beside them, and the previous version's evidence to compare.</summary>
public sealed class EvidencePanelTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Owner = new("user:olivia", "Olivia Owner", Roles.ModelOwner);
    private static readonly Actor Validator = new("user:victor", "Victor Validator", Roles.Validator);

    private static ModelVersionRegistered Registered(string version, string digest, double hours) =>
        new(
            "credit",
            version,
            $"s3://m/{version}.zip",
            digest,
            100,
            ArtifactFormat.MlNetZip,
            "sha256:" + new string('c', 64),
            "sha256:" + new string('d', 64),
            new Dictionary<string, double>(),
            "abc",
            new Dictionary<string, string>(),
            RiskTier.High,
            Owner.SubjectId,
            new Audit(Owner, T0.AddHours(hours), "r", "c")
        );

    private static ModelVersion Version(string version, double hours, double shift, bool validated)
    {
        var digest = "sha256:" + new string(version[0] == '1' && version[2] == '1' ? 'a' : 'b', 64);
        var events = new List<object>
        {
            Registered(version, digest, hours),
            new EvidenceReportRecorded(
                "credit",
                version,
                "EV-1",
                "german-credit-holdout",
                "1",
                "sha256:" + new string('d', 64),
                EvidenceFixture.Report(digest, shift),
                new Audit(Validator, T0.AddHours(hours + 1), "Holdout evidence", "c")
            ),
        };
        if (validated)
            events.Add(
                new ValidationCompleted(
                    "credit",
                    version,
                    ValidationOutcome.PassedWithConditions,
                    [
                        new ValidationFinding(
                            "F-1",
                            FindingSeverity.Medium,
                            "Sex and age are model inputs",
                            "Monitor the adverse-impact ratio.",
                            FindingStatus.Accepted
                        ),
                    ],
                    new Audit(Validator, T0.AddHours(hours + 2), "Fit for use with conditions", "c")
                )
            );
        return events.Aggregate((ModelVersion?)null, ModelVersion.Evolve)!;
    }

    private static BunitContext Context()
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        return context;
    }

    [Fact]
    public async Task Every_chart_is_an_accessible_svg_with_a_data_table_and_the_findings_and_the_previous_version_are_beside_it()
    {
        await using var context = Context();
        var previous = Version("1.0.0", 0, -0.02, validated: false);
        var current = Version("1.1.0", 24, 0, validated: true);
        Assert.Same(previous, EvidencePanel.PreviousWithEvidence(current, [previous, current]));

        var panel = context.Render<EvidencePanel>(p => p.Add(x => x.Version, current).Add(x => x.PreviousVersion, previous));

        foreach (
            var id in new[]
            {
                "chart-mean-abs-shap",
                "chart-permutation-importance",
                "chart-shap-summary",
                "chart-roc",
                "chart-pr",
                "chart-reliability",
                "chart-cost",
            }
        )
        {
            var svg = panel.Find($"#{id} svg");
            Assert.Equal("img", svg.GetAttribute("role"));
            Assert.Equal($"{id}-title {id}-desc", svg.GetAttribute("aria-labelledby"));
            Assert.False(string.IsNullOrWhiteSpace(panel.Find($"#{id}-title").TextContent));
            Assert.False(string.IsNullOrWhiteSpace(panel.Find($"#{id}-desc").TextContent));
            Assert.NotEmpty(panel.FindAll($"#{id} details table tbody tr"));
        }
        // Global importance: four features, PFI with ±1 standard error bars drawn (three lines per bar).
        Assert.Equal(4, panel.FindAll("#chart-mean-abs-shap svg rect").Count);
        Assert.Equal(12, panel.FindAll("#chart-permutation-importance svg line").Count - 1);
        Assert.Contains("0.006", panel.Find("#chart-permutation-importance table").TextContent);
        // The ROC curve of this version and the dashed one of 1.0.0; the cost curve marks the chosen threshold.
        Assert.Equal(2, panel.FindAll("#chart-roc svg polyline").Count);
        Assert.Contains("ROC AUC 0.786 (0.766 for version 1.0.0, dashed)", panel.Find("#chart-roc-desc").TextContent);
        Assert.Contains("chosen 0.25", panel.Find("#chart-cost svg").TextContent);
        Assert.Equal(3, panel.FindAll("#chart-reliability svg circle").Count);

        var metrics = panel.Find("#evidence-metrics").TextContent;
        Assert.Contains("0.7860", metrics);
        Assert.Contains("0.7660", metrics);
        Assert.Contains("+0.0200", metrics);
        Assert.Contains("Compared with version 1.0.0's report EV-1", panel.Find("#evidence-compared").TextContent);
        Assert.Contains("same dataset file", panel.Find("#evidence-compared").TextContent);

        var age = panel.Find("#bias-age").TextContent;
        Assert.Contains(">=60 (under 30 rows)", age);
        Assert.Contains("+0.220 [0.080, 0.360]", age);
        Assert.Contains("Age (features Age)", panel.Find("#evidence-protected-inputs").TextContent);
        Assert.Contains("sex (features Personal.Female.NotSingle)", panel.Find("#evidence-protected-inputs").TextContent);

        var findings = panel.Find("#evidence-findings").TextContent;
        Assert.Contains("PassedWithConditions", findings);
        Assert.Contains("F-1 · Medium · Accepted", findings);
        Assert.Contains("Sex and age are model inputs", findings);
    }

    [Fact]
    public async Task A_version_without_evidence_says_how_a_validator_records_it()
    {
        await using var context = Context();
        var bare = ModelVersion.Evolve(null, Registered("2.0.0", "sha256:" + new string('e', 64), 0))!;
        var panel = context.Render<EvidencePanel>(p => p.Add(x => x.Version, bare));
        Assert.Contains("governance evidence record", panel.Find("#evidence-none").TextContent);
        Assert.Empty(panel.FindAll("figure.evidence-chart"));
    }

    [Fact]
    public async Task The_review_page_shows_the_evidence_section_of_the_version_under_review()
    {
        await using var context = Context();
        var desk = new DeskWithOneRequest();
        context.Services.AddSingleton<IApprovalDesk>(desk);
        context.Services.AddSingleton<IDiscussionDesk>(desk);
        context.Services.AddSingleton<IFindingDesk>(
            new FindingsInMemory(DeskWithOneRequest.Model, DeskWithOneRequest.Version, TimeProvider.System)
        );
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton<Governance.Ledger.People.IPeopleDirectory>(new Directory());
        context.AddAuthorization().SetAuthorized("rita").SetRoles(Roles.RiskOfficer);
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#evidence"));
        Assert.Contains("credit 1.1.0", page.Find("#evidence-title").TextContent);
    }
}
