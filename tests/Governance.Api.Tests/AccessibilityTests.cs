using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Governance.Api.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// WCAG 2.2 AA on every page (issue 18): axe-core (bundled by Deque.AxeCore.Playwright) in Debian's chromium, with the tags
/// wcag2a, wcag2aa, wcag21aa, wcag22aa, at desktop and phone widths, as each role sees its pages. No serious or critical
/// violation may appear except the rules docs/accessibility.md lists as inside MudBlazor's markup, and that list must match
/// what axe finds, so it can neither grow nor go stale silently.
/// </summary>
public sealed partial class AccessibilityTests(AccessibilityTests.AccessibilityApp app)
    : IClassFixture<AccessibilityTests.AccessibilityApp>,
        IAsyncLifetime
{
    /// <summary>A host of this class's own (its own test database and port), so it runs beside the other browser tests.</summary>
    public sealed class AccessibilityApp : BrowserApp;

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

    private static readonly AxeRunOptions Wcag22Aa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"] },
    };

    /// <summary>The rule ids docs/accessibility.md lists (its lines "- `rule-id` …" under "Known violations").</summary>
    private static IReadOnlySet<string> Documented()
    {
        var doc = File.ReadAllText(Path.Combine(Programs.RepositoryRoot(), "docs", "accessibility.md"));
        var known = doc[doc.IndexOf("## Known violations", StringComparison.Ordinal)..];
        return ListedRule().Matches(known).Select(m => m.Groups[1].Value).ToHashSet();
    }

    [GeneratedRegex(@"^- `([a-z0-9-]+)`", RegexOptions.Multiline)]
    private static partial Regex ListedRule();

    private async Task<IPage> SignedIn(string userName)
    {
        var (user, password) = app.Person(userName);
        var page = await (await _browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(app.Address + "/");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        return page;
    }

    [Fact]
    public async Task Every_page_has_no_serious_or_critical_wcag_22_aa_violation_beyond_the_documented_list()
    {
        var ledger = new Scenario(app);
        var (modelId, _, approvedId) = await ledger.ApprovedVersion();
        var pendingModel = await ledger.RegisterModel(Scenario.NewId("a11y"), "High");
        await ledger.RegisterVersion(pendingModel);
        await ledger.Validate(pendingModel);
        var pendingId = await ledger.RequestApproval(pendingModel);
        await ledger.RegisterVersion(modelId, "1.1.0");

        var found = new List<string>();
        async Task Check(IPage page, string path)
        {
            var response = await page.GotoAsync(app.Address + path);
            // An error status is re-executed to a static page (never interactive): wait for its heading instead.
            await (response!.Status >= 400 ? page.Locator("h1") : page.Locator("#interactive-ready")).WaitForAsync(
                new() { State = WaitForSelectorState.Attached, Timeout = 30_000 }
            );
            foreach (var (width, height) in new[] { (1440, 900), (390, 844) })
            {
                await page.SetViewportSizeAsync(width, height);
                var result = await page.RunAxe(Wcag22Aa);
                found.AddRange(
                    result
                        .Violations.Where(v => v.Impact is "serious" or "critical")
                        .Select(v =>
                            $"{v.Id} ({v.Impact}) on {path} at {width}px: "
                            + string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))
                        )
                );
            }
        }

        var signIn = await (await _browser.NewContextAsync()).NewPageAsync();
        await signIn.GotoAsync(app.Address + "/account/sign-in");
        found.AddRange(
            (await signIn.RunAxe(Wcag22Aa))
                .Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{v.Id} ({v.Impact}) on /account/sign-in: {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")
        );

        var auditor = await SignedIn("ada");
        foreach (
            var path in new[]
            {
                "/",
                "/inventory",
                "/inventory?asOf=2026-01-31",
                $"/models/{modelId}",
                $"/models/{modelId}?asOf=2026-01-31",
                "/environments/production",
                "/environments/production?asOf=2026-01-31",
                $"/models/{modelId}?approval={approvedId}",
                "/search",
                "/search?expiring=30",
                $"/approvals/{approvedId}/attestation",
                $"/models/{modelId}/compare",
                "/findings",
                "/notifications",
                "/no-such-page",
            }
        )
            await Check(auditor, path);
        var officer = await SignedIn("ravi");
        foreach (var path in new[] { "/approvals", $"/approvals/{pendingId}", $"/approvals/{approvedId}" })
            await Check(officer, path);
        var validator = await SignedIn("victor");
        await Check(validator, "/validation");
        await Check(validator, "/findings");
        await Check(await SignedIn("olivia"), "/owner");
        await Check(await SignedIn("adam"), "/admin");
        await Check(officer, "/notifications");

        var rules = found.Select(f => f[..f.IndexOf(' ')]).ToHashSet();
        Assert.True(rules.SetEquals(Documented()), "axe found:\n" + string.Join("\n", found.Distinct()));
    }
}
