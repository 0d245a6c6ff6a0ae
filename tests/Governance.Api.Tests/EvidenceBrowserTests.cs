using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Evidence;
using Governance.Domain.Shared;
using Governance.Explainability.Evidence;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>The browser product with the demo inventory seeded (its credit model's evidence on 1.0.0 and 1.1.0).</summary>
public sealed class DemoBrowserApp : BrowserApp
{
    public bool Seeded { get; set; }
}

/// <summary>
/// The demo credit model's recorded evidence in Debian's chromium: a validator records 1.2.0's evidence (computed from its
/// artifact on the holdout), the risk officer reviewing 1.2.0 sees the charts, the bias table and the validator's findings,
/// compared with 1.1.0, and the auditor sees the evidence on the model page. Screenshots go to artifacts/screenshots.
/// </summary>
public sealed class EvidenceBrowserTests(DemoBrowserApp app) : IClassFixture<DemoBrowserApp>, IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        if (!app.Seeded)
        {
            app.Start();
            await DemoApp.Seed(app);
            app.Seeded = true;
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserApp.LaunchChromium(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private Task<IPage> SignedIn(string path, string userName) => app.SignedInPage(_browser, path, userName);

    private static string ScreenshotPath(string name)
    {
        var screenshots = Path.Combine(Programs.RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        return Path.Combine(screenshots, name + ".png");
    }

    [Fact]
    public async Task The_risk_officer_sees_the_demo_credit_models_evidence_beside_the_findings_and_the_auditor_on_the_model_page()
    {
        // The validator computes 1.2.0's evidence from the registered artifact on the registered holdout file, and records it.
        var auditor = app.As("auditor-ada", Roles.Auditor);
        var version = await auditor.GetAsync("/api/v1/models/credit-scoring-de/versions/1.2.0").Expect(HttpStatusCode.OK);
        var artifact = new Uri(version.GetProperty("artifactUri").GetString()!).LocalPath;
        var computed = EvidenceComputation.Compute(
            new EvidenceRequest(
                artifact,
                Path.Combine(Path.GetDirectoryName(artifact)!, "german_credit_holdout.csv"),
                "Class",
                "Bad",
                DatasetRole.Holdout,
                ["sex=female:Personal.Female.NotSingle,Personal.Female.Single", "Age=<25,25-59,>=60"],
                Repeats: 2
            )
        );
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        await app.As("validator-vera", Roles.Validator)
            .PostAsJsonAsync(
                "/api/v1/models/credit-scoring-de/versions/1.2.0/evidence",
                new { report = computed.Report, reason = "Holdout evidence for the pending approval" },
                json
            )
            .Expect(HttpStatusCode.Created);
        var pending = (await auditor.GetAsync("/api/v1/approvals?status=Pending").Expect(HttpStatusCode.OK))
            .EnumerateArray()
            .Single(a => a.GetProperty("modelId").GetString() == "credit-scoring-de")
            .GetProperty("id")
            .GetString();

        var review = await SignedIn($"/approvals/{pending}", "ravi");
        await review.Locator("#evidence-report").WaitForAsync();
        Assert.Contains("credit-scoring-de 1.2.0", await review.Locator("#evidence-title").InnerTextAsync());
        foreach (
            var chart in new[]
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
            var svg = review.Locator($"#{chart} svg[role=img]");
            Assert.Equal(1, await svg.CountAsync());
            Assert.True((await svg.BoundingBoxAsync())!.Height > 100, $"{chart} is drawn");
        }
        Assert.Equal(2, await review.Locator("#chart-roc polyline").CountAsync());
        Assert.Contains("Compared with version 1.1.0", await review.Locator("#evidence-compared").InnerTextAsync());
        Assert.Contains(
            computed.Report.Metrics.RocAuc.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture),
            await review.Locator("#evidence-metrics").InnerTextAsync()
        );
        Assert.Contains(">=60", await review.Locator("#bias-age").InnerTextAsync());
        Assert.Contains("Age (features Age)", await review.Locator("#evidence-protected-inputs").InnerTextAsync());
        Assert.Contains("Sex and age used as direct inputs", await review.Locator("#evidence-findings").InnerTextAsync());
        await review.ScreenshotAsync(new() { Path = ScreenshotPath("evidence-review-page"), FullPage = true });

        var model = await SignedIn("/models/credit-scoring-de", "ada");
        await model.Locator("#evidence-report").WaitForAsync();
        Assert.Contains("credit-scoring-de 1.2.0", await model.Locator("#evidence-title").InnerTextAsync());
        await model.Locator("#evidence-version-1\\.1\\.0").ClickAsync();
        await model.Locator("#evidence-title:has-text('1.1.0')").WaitForAsync();
        Assert.Contains("Compared with version 1.0.0", await model.Locator("#evidence-compared").InnerTextAsync());
        await model.ScreenshotAsync(new() { Path = ScreenshotPath("evidence-model-page"), FullPage = true });
    }
}
