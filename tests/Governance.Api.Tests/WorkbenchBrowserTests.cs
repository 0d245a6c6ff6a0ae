using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// The risk team's workbench (issue 18) in Debian's chromium, as a new user would try it: a second risk officer reviews with the
/// first officer's decision in view, approves, reads the signed attestation, revokes and finds the approval's history without
/// leaving the UI; error pages are the product's own; the focus ring can be seen. Screenshots at 1440×900 and 390×844 go to
/// artifacts/screenshots/workbench-*.png.
/// </summary>
public sealed class WorkbenchBrowserTests(WorkbenchBrowserTests.WorkbenchApp app)
    : IClassFixture<WorkbenchBrowserTests.WorkbenchApp>,
        IAsyncLifetime
{
    /// <summary>A host of this class's own (its own test database and port), so it runs beside the other browser tests.</summary>
    public sealed class WorkbenchApp : BrowserApp;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly List<string> _browserLog = [];
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
        Assert.DoesNotContain(_browserLog, line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder!.FullName, "Governance.sln")))
            folder = folder.Parent;
        return folder.FullName;
    }

    private async Task<IPage> SignedIn(string path, string userName)
    {
        var (user, password) = app.Person(userName);
        var page = await (
            await _browser.NewContextAsync(
                new BrowserNewContextOptions
                {
                    ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
                }
            )
        ).NewPageAsync();
        page.Console += (_, message) => _browserLog.Add($"console {message.Type}: {message.Text}");
        await page.GotoAsync(app.Address + path);
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Ready(page);
        return page;
    }

    /// <summary>Clicks on prerendered HTML are lost: wait until the page says it is interactive.</summary>
    private static Task Ready(IPage page) =>
        page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    /// <summary>The page at desktop (1440×900) and phone (390×844) widths, full length.</summary>
    private static async Task Shots(IPage page, string name)
    {
        foreach (var (width, height) in new[] { (1440, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(
                new() { Path = Path.Combine(Screenshots, $"workbench-{name}-{width}x{height}.png"), FullPage = true }
            );
        }
        await page.SetViewportSizeAsync(1440, 900);
    }

    [Fact]
    public async Task A_second_officer_sees_the_first_decision_approves_reads_the_attestation_revokes_and_finds_the_history()
    {
        var ledger = new Scenario(app);
        var modelId = await ledger.RegisterModel(Scenario.NewId("wb"), "High");
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);
        var rita = app.As("dev-officer-rita", Roles.RiskOfficer);
        await ledger
            .SignOff(rita, modelId, approvalId, digest, expiresAt: DateTimeOffset.UtcNow.AddDays(200).ToString("O"))
            .Expect(HttpStatusCode.OK);
        var ritaExpiry = DateTimeOffset.UtcNow.AddDays(200).UtcDateTime.ToString("yyyy-MM-dd");

        var page = await SignedIn($"/approvals/{approvalId}", "ravi");
        var first = await page.Locator("#sign-offs").InnerTextAsync();
        Assert.Contains("Rita Risk", first);
        Assert.Contains("Validation findings are proportionate; approved for use.", first);
        Assert.Contains("Quarterly monitoring of PSI", first);
        Assert.Contains(ritaExpiry, await page.Locator("#expiry-rule").InnerTextAsync());
        await Assertions.Expect(page.GetByLabel("Approval expires")).ToHaveValueAsync(ritaExpiry);
        await Shots(page, "review-second-officer");

        await page.GetByLabel("Rationale").FillAsync("Agree with Rita; the open calibration finding is tracked.");
        await page.Locator("#approve").ClickAsync();
        await page.Locator("#confirm").DblClickAsync();
        await page.Locator("#decision-recorded").WaitForAsync();
        Assert.Contains("Approved", await page.Locator("#decision-recorded").InnerTextAsync());
        var granted = await page.Locator("#approval-granted").InnerTextAsync();
        Assert.Contains(ritaExpiry, granted);
        Assert.Contains("Quarterly monitoring of PSI", granted);
        await Shots(page, "review-approved");

        await page.Locator("#approval-granted").GetByRole(AriaRole.Link, new() { Name = "read it" }).ClickAsync();
        await page.WaitForURLAsync($"**/approvals/{approvalId}/attestation");
        await Ready(page);
        var attestation = await page.Locator("#attestation").InnerTextAsync();
        Assert.Contains($"{modelId} 1.0.0", attestation);
        Assert.Contains(digest[7..], attestation);
        Assert.Contains("Rita Risk", attestation);
        await Shots(page, "attestation");

        await page.GoBackAsync();
        await Ready(page);
        await page.GetByLabel("Reason for revoking").FillAsync("Incident INC-7: the score drifted beyond tolerance.");
        await page.Locator("#revoke").ClickAsync();
        Assert.Contains("REVOKE", await page.Locator("#confirmation").InnerTextAsync());
        await page.Locator("#confirm").ClickAsync();
        await page.Locator("#approval-revoked").WaitForAsync();
        Assert.Contains("INC-7", await page.Locator("#approval-revoked").InnerTextAsync());
        await Shots(page, "review-revoked");
        var approval = await ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Revoked", approval.GetProperty("status").GetString());

        await page.Locator("#approval-history-link").ClickAsync();
        await page.WaitForURLAsync($"**/models/{modelId}?approval={approvalId}");
        await Ready(page);
        var history = await page.Locator("#timeline").InnerTextAsync();
        foreach (var step in new[] { "approval_requested", "approval_signed_off", "model_version_approved", "approval_revoked" })
            Assert.Contains(step, history);
        Assert.DoesNotContain("validation_completed", history);
        await Shots(page, "approval-history");
    }

    [Fact]
    public async Task Unknown_addresses_get_the_branded_page_while_the_api_keeps_problem_json_and_links_show_a_focus_ring()
    {
        var page = await SignedIn("/inventory", "ada");
        var response = await page.GotoAsync(app.Address + "/no-such-page");
        Assert.Equal(404, response!.Status);
        Assert.Contains("There is nothing at this address", await page.Locator("h1").InnerTextAsync());
        Assert.DoesNotContain("\"status\"", await page.ContentAsync());
        await Shots(page, "not-found");
        var api = await new Scenario(app).Auditor.GetAsync("/api/v1/no-such-resource");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        await page.GotoAsync(app.Address + "/inventory");
        await Ready(page);
        var link = page.Locator("#inventory a").First;
        await link.FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await page.Keyboard.PressAsync("Tab");
        var ring = await link.EvaluateAsync<string[]>(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        );
        Assert.NotEqual("none", ring[0]);
        Assert.True(
            double.Parse(ring[1].Replace("px", ""), System.Globalization.CultureInfo.InvariantCulture) >= 2,
            string.Join(" ", ring)
        );
        await Shots(page, "inventory-focus");

        // The CSV holds what the page shows for the same address.
        await page.GotoAsync(app.Address + "/inventory?tier=High");
        await Ready(page);
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-csv").ClickAsync());
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.StartsWith("model_id,model_name,risk_tier,owner,", csv[0]);
        Assert.All(csv.Skip(1), line => Assert.Contains(",High,", line));

        foreach (var path in new[] { "/", "/search?expiring=30" })
        {
            await page.GotoAsync(app.Address + path);
            await Ready(page);
            await Shots(page, path == "/" ? "dashboard" : "expiring");
        }
        await page.GotoAsync(app.Address + "/search");
        await Ready(page);
        await page.GetByLabel("Artifact SHA-256").FillAsync(new string('a', 64) + "  model.zip");
        await page.GetByLabel("Artifact SHA-256").PressAsync("Enter");
        await page.Locator("#no-approvals").WaitForAsync();
        await Shots(page, "search-sha256sum");
    }

    [Fact]
    public async Task Owner_and_validator_pages_mark_required_fields_and_word_refusals_in_the_forms_labels()
    {
        var owner = await SignedIn("/owner", "olivia");
        await owner.Locator("#register-model").ClickAsync();
        var refusal = await owner.Locator("#outcome-refused").InnerTextAsync();
        Assert.Contains("Business purpose", refusal);
        Assert.DoesNotContain("businessPurpose", refusal);
        var asterisk = await owner
            .Locator("label", new() { HasText = "Business purpose" })
            .EvaluateAsync<string>("e => getComputedStyle(e, '::after').content");
        Assert.Contains("*", asterisk);
        await Shots(owner, "owner-refused");
        await owner.GetByLabel("Business purpose").FillAsync("Scores applications.");
        await Assertions.Expect(owner.Locator("#outcome-refused")).Not.ToContainTextAsync("Business purpose");

        var validator = await SignedIn("/validation", "victor");
        await Shots(validator, "validation");
    }
}
