using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Monitoring;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// The monitoring page of a deployed version in Debian's chromium (issue 15 item 6): reports computed with the product's
/// statistics and recorded over HTTP against the approval's signed plan, two of them breaching it; a risk officer follows the
/// page's link to the approval and accepts the review. Screenshots at 1440×900 and 390×844 go to
/// artifacts/screenshots/monitoring-*.png.
/// </summary>
public sealed class MonitoringBrowserTests(MonitoringBrowserTests.MonitoringApp app)
    : IClassFixture<MonitoringBrowserTests.MonitoringApp>,
        IAsyncLifetime
{
    /// <summary>A host of this class's own (its own test database and port).</summary>
    public sealed class MonitoringApp : BrowserApp;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private static readonly string Screenshots = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (app.Address.Length == 0)
            app.Start();
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserApp.LaunchChromium(_playwright);
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder!.FullName, "Governance.sln")))
            folder = folder.Parent;
        return folder.FullName;
    }

    /// <summary>
    /// A version approved for production with a monitoring plan (breach: under review) whose reference is a registered file,
    /// and six daily reports computed by <see cref="MonitoringComputation"/> on generated samples, the last two drifted: the
    /// ledger records their breaches on the approval. Returns the model, the approval and the reports' ids, oldest first.
    /// </summary>
    internal static async Task<(string ModelId, string ApprovalId, IReadOnlyList<string> Reports)> Monitored(
        LedgerApp app,
        DateTimeOffset now
    )
    {
        var ledger = new Scenario(app);
        var modelId = await ledger.RegisterModel(Scenario.NewId("mon"));
        var reference = MonitoringEndpointTests.Table(400, 0, modelId.GetHashCode());
        var dataset = (
            await ledger
                .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(Scenario.NewId("ds"), Digest.OfText(reference)))
                .Expect(HttpStatusCode.Created)
        )
            .GetProperty("manifestDigest")
            .GetString()!;
        var digest = await ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await ledger.Validate(modelId);
        var approvalId = (
            await ledger
                .Owner.PostAsync(
                    $"{Scenario.VersionPath(modelId)}/approvals",
                    JsonContent.Create(
                        new
                        {
                            environment = "production",
                            intendedUse = "Retail credit decisions in DE",
                            monitoringPlan = MonitoringEndpointTests.Plan(dataset),
                        },
                        options: MonitoringEndpointTests.Json
                    )
                )
                .Expect(HttpStatusCode.Created)
        ).GetProperty("id").GetString()!;
        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var plan = MonitoringEndpointTests.Plan(dataset);
        var reports = new List<string>();
        for (var day = 0; day < 6; day++)
        {
            var end = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(day - 5);
            var report = MonitoringComputation.Compute(
                plan,
                MonitoringComparison.Drift,
                MonitoringEndpointTests.Read("reference", reference),
                MonitoringEndpointTests.Read("sample", MonitoringEndpointTests.Table(300, day < 4 ? 0 : 4000, 100 + day)),
                end.AddDays(-1),
                end
            );
            var recorded = await ledger
                .Owner.PostAsync(
                    $"{Scenario.VersionPath(modelId)}/monitoring-reports",
                    JsonContent.Create(new { environment = "production", report }, options: MonitoringEndpointTests.Json)
                )
                .Expect(HttpStatusCode.Created);
            reports.Add(recorded.GetProperty("reportId").GetString()!);
        }
        return (modelId, approvalId, reports);
    }

    /// <summary>The page at desktop (1440×900) and phone (390×844) widths, full length.</summary>
    private static async Task Shots(IPage page, string name)
    {
        foreach (var (width, height) in new[] { (1440, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(
                new() { Path = Path.Combine(Screenshots, $"monitoring-{name}-{width}x{height}.png"), FullPage = true }
            );
        }
        await page.SetViewportSizeAsync(1440, 900);
    }

    [Fact]
    public async Task An_officer_reads_the_statistics_opens_a_report_and_accepts_the_breach_review_from_the_monitoring_page()
    {
        var (modelId, approvalId, reports) = await Monitored(app, app.Clock.GetUtcNow());
        var page = await app.SignedInPage(_browser, $"/models/{modelId}/versions/1.0.0/monitoring/production", "ravi");

        await page.Locator("#statistics").WaitForAsync();
        Assert.Equal(4, await page.Locator("figure.statistic-chart").CountAsync()); // income PSI and KS, region JS, score W
        // The two drifted days breach; a generated stable day may too (region's JS on 300 rows): every breach is marked.
        var breaches = await new Scenario(app).Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        var recorded = breaches.GetProperty("breaches").GetArrayLength();
        Assert.InRange(recorded, 2, 6);
        Assert.Equal(recorded, await page.Locator("#reports .recorded-breach").CountAsync());
        Assert.Contains("Breach review", await page.Locator("#open-breach-review").InnerTextAsync());
        await Shots(page, "version");

        await page.Locator($"#reports a[href='/monitoring/reports/{reports[^1]}']").ClickAsync();
        await page.Locator("#report-facts").WaitForAsync();
        Assert.Equal("Breach (dataset drift)", (await page.Locator("#report-verdict").InnerTextAsync()).Trim());
        await Shots(page, "report");

        await page.GotoAsync($"{app.Address}/models/{modelId}/versions/1.0.0/monitoring/production");
        // Clicked only once the page is interactive: a click during prerendering can be lost to the re-render.
        await page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        await page.Locator("#resolve-review").ClickAsync();
        await page.WaitForURLAsync($"**/approvals/{approvalId}#breach-review");
        await page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        await page.Locator("#breach-review").WaitForAsync();
        await Shots(page, "review");
        await page.GetByText("Accept: the drift is understood, the approval stands").ClickAsync();
        await page.GetByLabel("Rationale").FillAsync("A regional campaign explains the higher incomes; thresholds stand.");
        await page.Locator("#resolve-breach").ClickAsync();
        await page.Locator("#breach-resolved").WaitForAsync();
        Assert.Contains("Accepted", await page.Locator("#breach-resolved").InnerTextAsync());

        var approval = await new Scenario(app).Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        var review = Assert.Single(approval.GetProperty("reviews").EnumerateArray());
        Assert.Equal("Accepted", review.GetProperty("resolution").GetString());

        await page.GotoAsync($"{app.Address}/monitoring");
        await page.Locator("#breach-reviews").WaitForAsync();
        await Shots(page, "overview");
        await page.GotoAsync($"{app.Address}/");
        await page.Locator("#breach-reviews-open").WaitForAsync();
        await Shots(page, "dashboard");
    }
}
