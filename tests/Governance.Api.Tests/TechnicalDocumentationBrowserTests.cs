using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.Playwright;
using UglyToad.PdfPig;

namespace Governance.Api.Tests;

/// <summary>
/// A model owner, as a new user would, opens a version's technical documentation in Debian's chromium, records a design
/// specification and a risk, and downloads a fresh Annex IV pack that contains both, naming them as the author.
/// </summary>
public sealed class TechnicalDocumentationBrowserTests(TechnicalDocumentationBrowserTests.TechnicalFileApp app)
    : IClassFixture<TechnicalDocumentationBrowserTests.TechnicalFileApp>,
        IAsyncLifetime
{
    /// <summary>A host of its own: a fixture is per test class, and the database is named after the fixture's type, so sharing
    /// <see cref="BrowserApp"/> with <see cref="BrowserTests"/> let one class drop the other's database while it ran.</summary>
    public sealed class TechnicalFileApp : BrowserApp;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        if (app.Address.Length == 0)
            app.Start();
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserApp.LaunchChromium(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task A_model_owner_records_a_design_specification_and_a_risk_and_finds_them_in_a_fresh_annex_iv_pack()
    {
        // The development owner Olivia's model with one version, registered through the API.
        var owner = app.As("dev-owner-olivia", Roles.ModelOwner);
        var modelId = Scenario.NewId("td");
        await owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(modelId, $"Retail PD {modelId}")).Expect(HttpStatusCode.Created);
        var dataset = await new Scenario(app).RegisterDataset();
        await owner
            .PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", Scenario.DigestOf(modelId), dataset))
            .Expect(HttpStatusCode.Created);

        var page = await app.SignedInPage(_browser, $"/models/{modelId}/versions/1.0.0/technical-documentation", "olivia");
        await page.Locator("#annex-iv-checklist").WaitForAsync();

        await page.Locator("#edit-DesignSpecification").ClickAsync();
        await page.Locator("#record-statement").ClickAsync();
        await page.GetByText("Statement is required.").WaitForAsync();
        const string design = "Gradient-boosted trees over 20 application features; trees chosen over a scorecard for accuracy.";
        await page.Locator("#statement-text").FillAsync(design);
        await page.Locator("#record-statement").ClickAsync();
        await page.Locator("#outcome-recorded:has-text(\"is recorded\")").First.WaitForAsync();
        await page.Locator("#item-DesignSpecification").GetByText(design).WaitForAsync();

        await page.GetByText("Record a new risk").ClickAsync();
        await page.Locator("#risk-title").FillAsync("Proxy discrimination through postcode");
        await page.Locator("#risk-description").FillAsync("Postcode may stand in for nationality.");
        await page.Locator("#risk-affected").FillAsync("Applicants of foreign nationality");
        await BrowserApp.Choose(page, "Likelihood *", "Possible");
        await BrowserApp.Choose(page, "Severity *", "Major");
        await page.Locator("#risk-measures").FillAsync("Postcode removed from the inputs; quarterly bias review.");
        await BrowserApp.Choose(page, "Likelihood after measures *", "Unlikely");
        await BrowserApp.Choose(page, "Severity after measures *", "Moderate");
        await page.Locator("#risk-residual").FillAsync("Indirect effects remain possible.");
        await page.Locator("#risk-review-due").FillAsync(DateTime.UtcNow.AddMonths(3).ToString("yyyy-MM-dd"));
        await page.Locator("#record-risk").ClickAsync();
        await page.Locator("#outcome-recorded:has-text(\"Risk R-1\")").First.WaitForAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-annex-iv").ClickAsync());
        var path = Path.Combine(Directory.CreateTempSubdirectory("annex-iv-").FullName, "pack.pdf");
        await download.SaveAsAsync(path);
        using var pdf = PdfDocument.Open(await File.ReadAllBytesAsync(path));
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        Assert.Contains(design, text);
        Assert.Contains("R-1 Proxy discrimination through postcode", text);
        Assert.Contains("Postcode removed from the inputs; quarterly bias review.", text);
        Assert.Contains("Olivia", text);
    }
}
