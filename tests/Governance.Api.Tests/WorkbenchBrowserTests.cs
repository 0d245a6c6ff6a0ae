using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// The risk team's workbench (issue 18) in Debian's chromium, as a new user would try it: the first officer is told she has
/// signed; a second risk officer reviews with the first officer's decision in view, approves, comments with a mention, reads the
/// signed attestation, revokes and finds the approval's history (at the top of the page it opens) without leaving the UI, the
/// bell counting again on the way; error pages are the product's own; the focus ring can be seen. Screenshots at 1440×900 and 390×844 go to
/// artifacts/screenshots/workbench-*.png.
/// </summary>
public sealed class WorkbenchBrowserTests(WorkbenchBrowserTests.WorkbenchApp app)
    : WorkbenchBrowser<WorkbenchBrowserTests.WorkbenchApp>(app),
        IClassFixture<WorkbenchBrowserTests.WorkbenchApp>
{
    /// <summary>A host of this class's own (its own test database and port), so it runs beside the other browser tests.</summary>
    public sealed class WorkbenchApp : BrowserApp;

    [Fact]
    public async Task A_second_officer_sees_the_first_decision_approves_reads_the_attestation_revokes_and_finds_the_history()
    {
        var ledger = new Scenario(App);
        var modelId = await ledger.RegisterModel(Scenario.NewId("wb"), "High");
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);
        var rita = App.As("dev-officer-rita", Roles.RiskOfficer);
        await ledger
            .SignOff(rita, modelId, approvalId, digest, expiresAt: DateTimeOffset.UtcNow.AddDays(200).ToString("O"))
            .Expect(HttpStatusCode.OK);
        var ritaExpiry = DateTimeOffset.UtcNow.AddDays(200).UtcDateTime.ToString("yyyy-MM-dd");

        // The first officer, back on the page, is told she has signed rather than offered the decision again.
        var firstOfficer = await SignedIn($"/approvals/{approvalId}", "rita");
        Assert.Contains("You signed this approval", await firstOfficer.Locator("#already-signed").InnerTextAsync());
        Assert.Equal(0, await firstOfficer.Locator("#approve").CountAsync());
        await Shots(firstOfficer, "review-first-officer-signed");

        var page = await SignedIn($"/approvals/{approvalId}", "ravi");
        // The bell counts after the page has rendered: at least this approval awaits Ravi.
        await Assertions.Expect(Bell(page)).ToHaveAttributeAsync("aria-label", new Regex("Notifications, [1-9][0-9]* unread"));
        var unreadBefore = await Unread(page);
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

        // A comment with a mention: posted, shown with the person mentioned, and the emptied field is not left in error.
        await page.GetByLabel("Your comment").FillAsync("Approved with Rita's conditions; please schedule the first PSI report.");
        await page.GetByLabel("Mention").ClickAsync(new() { Force = true });
        await page.Locator(".mud-popover-open").GetByText("Rita Risk", new() { Exact = true }).ClickAsync();
        await CloseMultiSelect(page, "Mention", "Rita Risk");
        await page.Locator("#post-comment").ClickAsync();
        var comment = page.Locator("#discussion li.comment");
        await comment.WaitForAsync();
        Assert.Contains("please schedule the first PSI report", await comment.InnerTextAsync());
        Assert.Contains("Mentions: Rita Risk", await comment.InnerTextAsync());
        Assert.Equal(0, await page.Locator("#discussion .mud-input-error").CountAsync());
        await Shots(page, "review-commented");

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
        // The history opens where the reviewer can read it, not below the model's whole file.
        Assert.True((await page.Locator("#approval-history").BoundingBoxAsync())!.Y < 900, "the history is in the first screen");
        var history = await page.Locator("#timeline").InnerTextAsync();
        foreach (
            var step in new[]
            {
                "approval_requested",
                "approval_signed_off",
                "model_version_approved",
                "comment_posted",
                "approval_revoked",
            }
        )
            Assert.Contains(step, history);
        Assert.Contains("Incident INC-7", history);
        Assert.DoesNotContain("validation_completed", history);
        // Who acted, with the role the act was recorded in, once.
        Assert.Contains("Ravi Risk (Risk officer)", history);
        Assert.DoesNotContain(") (", history);
        // The bell counted again on the way: the approval no longer awaits Ravi's decision.
        await Assertions.Expect(Bell(page)).ToHaveAttributeAsync("aria-label", BellLabel(unreadBefore - 1));
        await Shots(page, "approval-history");
        await page.Locator("#back-to-review").ClickAsync();
        await page.WaitForURLAsync($"**/approvals/{approvalId}");
        await page.Locator("#approval-revoked").WaitForAsync();
    }

    private static ILocator Bell(IPage page) => page.Locator("#notification-bell");

    /// <summary>What the bell announces for <paramref name="unread"/> unread notifications.</summary>
    private static string BellLabel(int unread) =>
        unread == 0 ? "Notifications, none unread" : $"Notifications, {unread.ToString(CultureInfo.InvariantCulture)} unread";

    /// <summary>The unread count the bell announces now.</summary>
    private static async Task<int> Unread(IPage page)
    {
        var label = await Bell(page).GetAttributeAsync("aria-label");
        return label == BellLabel(0) ? 0 : int.Parse(label!.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Unknown_addresses_get_the_branded_page_while_the_api_keeps_problem_json_and_links_show_a_focus_ring()
    {
        var page = await SignedIn("/inventory", "ada");
        var response = await page.GotoAsync(App.Address + "/no-such-page");
        Assert.Equal(404, response!.Status);
        Assert.Contains("There is nothing at this address", await page.Locator("h1").InnerTextAsync());
        Assert.DoesNotContain("\"status\"", await page.ContentAsync());
        await Shots(page, "not-found");
        var api = await new Scenario(App).Auditor.GetAsync("/api/v1/no-such-resource");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        await page.GotoAsync(App.Address + "/inventory");
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
        await page.GotoAsync(App.Address + "/inventory?tier=High");
        await Ready(page);
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-csv").ClickAsync());
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.StartsWith("model_id,model_name,risk_tier,owner,", csv[0]);
        Assert.All(csv.Skip(1), line => Assert.Contains(",High,", line));

        foreach (var path in new[] { "/", "/search?expiring=30" })
        {
            await page.GotoAsync(App.Address + path);
            await Ready(page);
            await Shots(page, path == "/" ? "dashboard" : "expiring");
        }
        await page.GotoAsync(App.Address + "/search");
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

    /// <summary>
    /// Closes the multi-select labelled <paramref name="label"/>, whose list stays open after a choice, once the field shows
    /// <paramref name="chosen"/>: Escape, and when the key reached the page before the list had rendered the choice (seen on a
    /// loaded machine), a click on the field itself, which a person would do and which lands on the field or on the list's
    /// overlay, both of which close it. A corner of the page does not: the app bar sits above the overlay there.
    /// </summary>
    private static async Task CloseMultiSelect(IPage page, string label, string chosen)
    {
        await Assertions.Expect(page.GetByLabel(label)).ToHaveValueAsync(new Regex(Regex.Escape(chosen)));
        var open = page.Locator(".mud-popover-open");
        await page.Keyboard.PressAsync("Escape");
        for (var attempt = 0; attempt < 5 && await open.CountAsync() > 0; attempt++)
            try
            {
                await open.WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 2000 });
            }
            catch (TimeoutException)
            {
                await page.GetByLabel(label).ClickAsync(new() { Force = true });
            }
        await open.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
    }
}
