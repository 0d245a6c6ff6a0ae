using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// Tracked findings and version comparison in Debian's chromium (issue 18): a validator assigns a finding from the findings
/// register, the owner's remediation shows with its evidence, the validator closes it; the register marks an overdue finding;
/// the review page links to the comparison with the previous version, where a dropped metric is marked. Screenshots at
/// 1440×900 and 390×844 go to artifacts/screenshots/workbench-*.png.
/// </summary>
public sealed class FindingsBrowserTests(FindingsBrowserTests.FindingsApp app)
    : WorkbenchBrowser<FindingsBrowserTests.FindingsApp>(app),
        IClassFixture<FindingsBrowserTests.FindingsApp>
{
    /// <summary>A host of this class's own (its own test database and port), so it runs beside the other browser tests.</summary>
    public sealed class FindingsApp : BrowserApp;

    [Fact]
    public async Task A_validator_assigns_a_finding_sees_the_owners_remediation_and_closes_it()
    {
        var ledger = new Scenario(App);
        var modelId = await ledger.RegisterModel(Scenario.NewId("fd"));
        await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var finding = $"{Scenario.VersionPath(modelId)}/findings/F-1";

        var page = await SignedIn("/findings", "victor");
        var item = page.Locator($"#finding-{modelId}-1-0-0-F-1");
        Assert.Contains("Open, no owner yet", await item.InnerTextAsync());
        await item.GetByRole(AriaRole.Button, new() { Name = "Work on finding F-1" }).ClickAsync();
        await BrowserApp.Choose(page, "Owner", "user:owner-olivia");
        var due = DateTimeOffset.UtcNow.AddDays(5).UtcDateTime.ToString("yyyy-MM-dd");
        var dueField = page.GetByLabel("Due", new() { Exact = true });
        await dueField.FillAsync(due);
        await dueField.PressAsync("Tab");
        await page.Locator("#assign-finding").ClickAsync();
        await Recorded(page, "is assigned");
        Assert.Contains($"due {due}", await page.Locator("#outcome-recorded").InnerTextAsync());
        Assert.Contains("Due soon", await item.InnerTextAsync());

        var evidenceDigest = Scenario.DigestOf("recalibration");
        await ledger
            .Owner.PostAsJsonAsync($"{finding}/remediation", new { evidence = "Recalibrated; calibration slope now 0.98.", evidenceDigest })
            .Expect(HttpStatusCode.OK);
        await page.ReloadAsync();
        await Ready(page);
        Assert.Contains("Recalibrated; calibration slope now 0.98.", await item.InnerTextAsync());
        Assert.Contains(evidenceDigest, await item.InnerTextAsync());
        await Shots(page, "findings-register");

        await item.GetByRole(AriaRole.Button, new() { Name = "Work on finding F-1" }).ClickAsync();
        await BrowserApp.Choose(page, "Resolution", "Remediated");
        await page.GetByLabel("Reason").FillAsync("Reliability diagram reviewed: fixed.");
        await page.Locator("#close-finding").ClickAsync();
        await Recorded(page, "is closed");
        Assert.Equal(0, await item.CountAsync());

        var findings = await ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/findings").Expect(HttpStatusCode.OK);
        Assert.Equal("Closed", findings[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_review_page_links_to_the_comparison_with_the_previous_version_which_marks_a_dropped_metric()
    {
        var ledger = new Scenario(App);
        var modelId = await ledger.RegisterModel(Scenario.NewId("cmp"));
        var dataset = await ledger.RegisterDataset();
        await ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                new
                {
                    version = "1.1.0",
                    artifactUri = "s3://models/1.1.0/model.zip",
                    artifactDigest = Scenario.DigestOf($"{modelId}/1.1.0"),
                    artifactSizeBytes = 48213,
                    format = "MlNetZip",
                    trainingDatasetDigest = dataset,
                    validationDatasetDigest = dataset,
                    metrics = new Dictionary<string, double> { ["auc"] = 0.81 },
                    codeCommit = "4a1b2c3",
                    hyperparameters = new Dictionary<string, string> { ["trees"] = "200" },
                }
            )
            .Expect(HttpStatusCode.Created);
        await ledger.Validate(modelId, "1.1.0");
        var approvalId = await ledger.RequestApproval(modelId, "1.1.0");

        var page = await SignedIn($"/approvals/{approvalId}", "ravi");
        await page.Locator("#compare-previous").ClickAsync();
        await page.WaitForURLAsync($"**/models/{modelId}/compare?from=1.0.0&to=1.1.0");
        await Ready(page);
        var gini = page.Locator("#compare-metrics tr", new() { HasText = "gini" });
        Assert.Equal("diff-removed", await gini.GetAttributeAsync("class"));
        Assert.Contains("not in 1.1.0 (dropped)", await gini.InnerTextAsync());
        Assert.Contains("changed, +0.02", await page.Locator("#compare-metrics tr", new() { HasText = "auc" }).InnerTextAsync());
        Assert.Equal(
            "diff-changed",
            await page.Locator("#compare-hyperparameters tr", new() { HasText = "trees" }).GetAttributeAsync("class")
        );
        await Shots(page, "compare-versions");

        await page.GetByLabel("Only differences").CheckAsync();
        await Assertions.Expect(page.Locator("tr.diff-unchanged")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr.diff-removed")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task The_bell_counts_unread_notifications_and_the_admin_screen_warns_of_conflicting_roles()
    {
        var ledger = new Scenario(App);
        var modelId = await ledger.RegisterModel(Scenario.NewId("nt"));
        await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        await ledger.RequestApproval(modelId);

        var page = await SignedIn("/", "rita");
        var bell = page.Locator("#notification-bell");
        // The bell counts after the page has rendered (and again on navigation): wait for its count, as a reader would.
        await Assertions.Expect(bell).ToHaveAttributeAsync("aria-label", new Regex("Notifications, [1-9][0-9]* unread"));
        await bell.ClickAsync();
        await page.WaitForURLAsync("**/notifications");
        await Ready(page);
        Assert.Contains($"Approval of {modelId} 1.0.0 for production awaits your decision", await page.Locator("#inbox").InnerTextAsync());
        await Shots(page, "notifications");
        await page.Locator("#mark-all-read").ClickAsync();
        await Assertions.Expect(page.Locator("#inbox-title")).ToContainTextAsync("0 unread");
        await page.GetByLabel("Review assigned").UncheckAsync();
        await page.Locator("#save-email").ClickAsync();
        await page.Locator("#email-saved").WaitForAsync();
        await page.ReloadAsync();
        await Ready(page);
        await Assertions.Expect(page.Locator("#notification-bell")).ToHaveAttributeAsync("aria-label", "Notifications, none unread");
        Assert.False(await page.GetByLabel("Review assigned").IsCheckedAsync());

        await App.As("bt-admin", Domain.Shared.Roles.Admin)
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName = "conflicted-carl",
                    displayName = "Carl Conflicted",
                    email = "carl@bank.example",
                    password = "Correct-Horse-9-battery",
                    roles = new[] { "ModelOwner", "Validator" },
                }
            )
            .Expect(HttpStatusCode.Created);
        var admin = await SignedIn("/admin", "adam");
        var carl = admin.Locator("#account-conflicted-carl");
        Assert.Contains("ModelOwner + Validator", await carl.InnerTextAsync());
        Assert.Equal("account-conflicted", await carl.GetAttributeAsync("class"));
        Assert.True(await admin.Locator("#security-log tr.security-user-created").CountAsync() >= 1);
        await Shots(admin, "admin");
        await admin.Locator("#log-kind-sign-ins").ClickAsync();
        await admin.WaitForURLAsync("**/admin?kind=sign-ins");
        await Ready(admin);
        await Assertions.Expect(admin.Locator("#security-log tr.security-user-created")).ToHaveCountAsync(0);
        Assert.True(await admin.Locator("#security-log tr.security-sign-in-succeeded").CountAsync() >= 2);
        await Shots(admin, "admin-sign-ins");
    }
}
