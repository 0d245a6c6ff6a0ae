using AngleSharp.Dom;
using Bunit;
using Governance.Domain.Approvals;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.Approvals;
using Governance.Ledger.Validation;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Ui.Tests;

/// <summary>The defects of issue 18 (1-8) as a risk team met them, each on the page where it happened.</summary>
public sealed class WorkbenchTests
{
    private static readonly DateTimeOffset FirstExpiry = new(2027, 3, 31, 23, 59, 0, TimeSpan.Zero);

    private static readonly SignOff FirstSignOff = new(
        new Actor("user:rita", Roles.RiskOfficer),
        DeskWithOneRequest.T0.AddDays(1),
        "Within appetite after the PSI review.",
        ["Quarterly PSI monitoring"],
        FirstExpiry
    );

    /// <summary>The field whose label reads <paramref name="label"/> (MudBlazor ties each label to its input).</summary>
    private static IElement Field<T>(IRenderedComponent<T> page, string label)
        where T : IComponent
    {
        var labelElement = page.FindAll("label").First(l => l.TextContent.Trim().TrimEnd('*').Trim() == label);
        return page.Find($"#{labelElement.GetAttribute("for")}");
    }

    private static ReviewFile File(Approval approval, IReadOnlyList<Governance.Domain.ModelVersions.ModelVersion>? earlier = null) =>
        new(approval, DeskWithOneRequest.Version, DeskWithOneRequest.Model, null, null, earlier ?? [], 4);

    private static readonly Actor Ravi = new("user:ravi", Roles.RiskOfficer);

    private static Approval Pending => DeskWithOneRequest.Version.FindApproval("approval-1")!;

    [Fact]
    public async Task Defect_1_after_recording_an_outcome_the_next_version_starts_with_an_empty_form()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var credit = DeskWithOneRequest.Version;
        var fraud = credit with { ModelId = "fraud", Version = "2.0.0" };
        desk.ValidationQueue.AddRange([new ValidationQueueItem(credit, 3), new ValidationQueueItem(fraud, 3)]);
        var page = context.Render<ValidationPage>();
        page.WaitForAssertion(() => page.Find("#validation-queue"));
        page.FindAll(".mud-list-item")[0].Click();
        page.Find("textarea").Input("The credit model's PD drifts.");
        page.Find("#add-finding").Click();
        Field(page, "Finding").Input("Credit PD calibration drift");
        page.Find("#record-validation").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll(".mud-list-item")));

        page.FindAll(".mud-list-item")[0].Click();
        Assert.Contains("fraud 2.0.0", page.Markup);
        Assert.Equal("", page.Find("textarea").GetAttribute("value") ?? page.Find("textarea").TextContent);
        Assert.DoesNotContain("Credit PD calibration drift", page.Markup);
        page.Find("#record-validation").Click();
        page.WaitForAssertion(() => Assert.Equal(2, desk.Commands.Count));
        var (model, outcome) = ((string, RecordValidationOutcome))desk.Commands[1].Argument;
        Assert.Equal("fraud", model);
        Assert.Null(outcome.Opinion);
        Assert.Empty(outcome.Findings ?? []);
    }

    [Fact]
    public async Task Defect_2_the_second_officer_sees_the_first_decision_and_the_expiry_that_will_apply()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        // The page is Rita's (ComponentTests.Context): the first officer is another.
        desk.ReviewFile = () => File(Pending with { SignOffs = [FirstSignOff with { Officer = Ravi }] });
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));

        var first = page.Find("#sign-offs").TextContent;
        Assert.Contains("Within appetite after the PSI review.", first);
        Assert.Contains("Quarterly PSI monitoring", first);
        Assert.Contains("2027-03-31", first);
        // The approval ends at the earlier of the officers' dates: the page says so before anyone signs.
        Assert.Contains("2027-03-31", page.Find("#expiry-rule").TextContent);
    }

    [Fact]
    public async Task Walkthrough_the_officer_who_signed_a_pending_approval_is_told_so_and_not_offered_a_second_decision()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.ReviewFile = () => File(Pending with { SignOffs = [FirstSignOff] });
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#already-signed"));

        var told = System.Text.RegularExpressions.Regex.Replace(page.Find("#already-signed").TextContent, @"\s+", " ");
        Assert.Contains("You signed this approval 2026-10-02 09:00 UTC", told);
        Assert.Contains("1 more sign-off(s) by another risk officer", told);
        Assert.Empty(page.FindAll("#approve"));
        Assert.Empty(page.FindAll("#reject"));
    }

    [Fact]
    public async Task Walkthrough_an_approvals_history_opens_at_the_top_of_the_model_page_not_below_the_models_whole_file()
    {
        var (context, _) = await ComponentTests.Context();
        await using var _ = context;
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("/models/credit?approval=approval-1");
        var page = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        page.WaitForAssertion(() => page.Find("#approval-history"));

        Assert.True(
            page.Markup.IndexOf("id=\"approval-history\"", StringComparison.Ordinal)
                < page.Markup.IndexOf("id=\"environment-slots\"", StringComparison.Ordinal),
            "the approval's history comes before the model's environments, versions and evidence"
        );
        Assert.Equal("/approvals/approval-1", page.Find("#back-to-review").GetAttribute("href"));
        Assert.Single(page.FindAll("#timeline"));
    }

    [Fact]
    public async Task Defect_2_after_approval_the_page_shows_the_expiry_the_conditions_and_the_attestation()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.ReviewFile = () =>
            File(
                Pending with
                {
                    Status = ApprovalStatus.Approved,
                    SignOffs = [FirstSignOff, FirstSignOff with { Officer = new Actor("user:ravi", Roles.RiskOfficer) }],
                    ExpiresAt = FirstExpiry,
                    Conditions = ["Quarterly PSI monitoring"],
                    AttestationDigest = "sha256:" + new string('f', 64),
                }
            );
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approval-granted"));
        var granted = page.Find("#approval-granted").TextContent;
        Assert.Contains("2027-03-31", granted);
        Assert.Contains("Quarterly PSI monitoring", granted);
        Assert.Contains("sha256:" + new string('f', 64), granted);
        Assert.Equal("/approvals/approval-1/attestation", page.Find("#approval-granted a[href*=attestation]").GetAttribute("href"));
    }

    [Fact]
    public async Task Defect_3_an_officer_revokes_a_granted_approval_from_the_review_page_after_confirming()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.ReviewFile = () => File(Pending with { Status = ApprovalStatus.Approved, SignOffs = [FirstSignOff], ExpiresAt = FirstExpiry });
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#revoke"));
        Field(page, "Reason for revoking").Input("Incident INC-42: drift beyond tolerance.");
        page.Find("#revoke").Click();
        Assert.Empty(desk.Commands);
        Assert.Contains("REVOKE", page.Find("#confirmation").TextContent);
        page.Find("#confirm").Click();
        page.WaitForAssertion(() => page.Find("#decision-recorded"));
        Assert.Equal(("revoke", ("approval-1", "Incident INC-42: drift beyond tolerance.")), Assert.Single(desk.Commands));
    }

    [Fact]
    public async Task Defect_3_a_version_and_a_model_are_retired_from_the_model_page()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        page.WaitForAssertion(() => page.Find("#retire-version-1\\.1\\.0"));
        page.Find("#retire-version-1\\.1\\.0").Click();
        Field(page, "Reason").Input("Superseded by 1.2.0.");
        page.Find("#confirm-stewardship").Click();
        page.WaitForAssertion(() => Assert.Single(desk.Commands));
        Assert.Equal(("retire-version", ("credit", "1.1.0", "Superseded by 1.2.0.")), desk.Commands[0]);

        page.Find("#retire-model").Click();
        Field(page, "Reason").Input("Product withdrawn.");
        page.Find("#confirm-stewardship").Click();
        page.WaitForAssertion(() => Assert.Equal(2, desk.Commands.Count));
        Assert.Equal(("retire-model", ("credit", "Product withdrawn.")), desk.Commands[1]);
    }

    [Fact]
    public async Task Defect_4_double_clicking_sign_approval_signs_once_and_shows_the_success()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));
        page.Find("textarea").Input("Sound.");
        page.Find("#approve").Click();
        desk.Gate = new TaskCompletionSource();
        var first = page.Find("#confirm").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.True(page.Find("#confirm").HasAttribute("disabled")));
        var second = page.Find("#confirm").ClickAsync(new MouseEventArgs());
        desk.Gate.SetResult();
        await Task.WhenAll(first, second);
        page.WaitForAssertion(() => page.Find("#decision-recorded"));
        Assert.Single(desk.Decisions);
    }

    [Fact]
    public async Task Defect_4_double_clicking_register_the_version_registers_once_and_reports_success()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<OwnerDesk>();
        page.FindAll(".mud-tab").First(t => t.TextContent.Trim() == "Version").Click();
        desk.Gate = new TaskCompletionSource();
        var first = page.Find("#register-version").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.True(page.Find("#register-version").HasAttribute("disabled")));
        var second = page.Find("#register-version").ClickAsync(new MouseEventArgs());
        desk.Gate.SetResult();
        await Task.WhenAll(first, second);
        page.WaitForAssertion(() => page.Find("#outcome-recorded"));
        Assert.Empty(page.FindAll("#outcome-refused"));
        Assert.Single(desk.Commands, c => c.Command == "register-version");
    }

    [Fact]
    public async Task Defect_5_the_review_page_has_the_owners_evidence_links_and_what_changed_since_the_previous_version()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var previous = DeskWithOneRequest.Version with
        {
            Version = "1.0.0",
            Metrics = new Dictionary<string, double>
            {
                ["auc"] = 0.81,
                ["gini"] = 0.62,
                ["ks"] = 0.41,
            },
        };
        desk.ReviewFile = () => File(Pending, [previous]);
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#owner-evidence"));
        Assert.Contains("Evidence", page.Find("#owner-evidence").TextContent);
        Assert.Contains("Olivia Owner", page.Find("#owner-evidence").TextContent);
        Assert.NotEmpty(page.FindAll("a[href='/models/credit']"));
        Assert.NotEmpty(page.FindAll("a[href='/evidence-packs/credit/1.1.0/sr-11-7']"));
        var comparison = page.Find("#metrics-comparison").TextContent;
        Assert.Contains("0.81", comparison);
        Assert.Contains("0.79", comparison);
        Assert.Contains("gini", comparison);
        Assert.Contains("not reported", comparison);
    }

    [Fact]
    public async Task Defect_5_the_validators_panel_shows_the_versions_metrics_and_a_link_to_its_timeline()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.ValidationQueue.Add(new ValidationQueueItem(DeskWithOneRequest.Version, 3));
        var page = context.Render<ValidationPage>();
        page.WaitForAssertion(() => page.Find("#validation-queue"));
        page.FindAll(".mud-list-item")[0].Click();
        Assert.Contains("0.79", page.Find("#metrics-comparison").TextContent);
        Assert.NotEmpty(page.FindAll("a[href='/models/credit']"));
    }

    [Fact]
    public async Task Defect_6_refusals_name_the_forms_fields_mark_them_and_go_away_once_fixed()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.NextOutcome = new DecisionOutcome(
            false,
            "invalid_input",
            "businessPurpose: is required; name: is required",
            new Dictionary<string, string[]> { ["businessPurpose"] = ["is required"], ["name"] = ["is required"] }
        );
        var page = context.Render<OwnerDesk>();
        // Required fields say so to assistive technology (and app.css puts the visible asterisk after their labels).
        var purpose = Field(page, "Business purpose");
        Assert.True(purpose.GetAttribute("aria-required") == "true" || purpose.HasAttribute("required"), purpose.OuterHtml);
        page.Find("#register-model").Click();
        var banner = page.Find("#outcome-refused").TextContent;
        Assert.DoesNotContain("businessPurpose", banner);
        Assert.Contains("Business purpose", banner);
        Assert.Contains("is required", Field(page, "Business purpose").Closest(".mud-input-control")!.TextContent);

        Field(page, "Business purpose").Input("Scores applications.");
        page.WaitForAssertion(() => Assert.DoesNotContain("Business purpose", page.Find("#outcome-refused").TextContent));
        Field(page, "Name").Input("Credit");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#outcome-refused")));
    }

    [Fact]
    public async Task Defect_6_a_findings_problem_is_named_as_the_validator_sees_it()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        desk.ValidationQueue.Add(new ValidationQueueItem(DeskWithOneRequest.Version, 3));
        desk.NextOutcome = new DecisionOutcome(
            false,
            "invalid_input",
            "findings[2].title: is required",
            new Dictionary<string, string[]> { ["findings[2].title"] = ["is required"] }
        );
        var page = context.Render<ValidationPage>();
        page.WaitForAssertion(() => page.Find("#validation-queue"));
        page.FindAll(".mud-list-item")[0].Click();
        page.Find("#record-validation").Click();
        var banner = page.Find("#outcome-refused").TextContent;
        Assert.DoesNotContain("findings[2]", banner);
        Assert.Contains("Finding 3", banner);
    }

    [Fact]
    public async Task Defect_7_every_dashboard_tile_drills_down_and_none_sends_a_non_officer_to_access_denied()
    {
        var (context, _) = await ComponentTests.Context(Roles.Auditor);
        await using var _ = context;
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => page.Find("#pending-approvals"));
        var links = page.FindAll(".count-tile a").Select(a => a.GetAttribute("href")).ToArray();
        // Every tile but the refused deployments (the inventory does not hold them) opens its list.
        Assert.Equal(page.FindAll(".count-tile").Count - 1, links.Length);
        Assert.DoesNotContain("/approvals", links);
        Assert.Contains("/search?expiring=30", links);
        Assert.Contains("/inventory?status=ApprovalRequested", links);
    }

    [Fact]
    public async Task Defect_7_the_inventory_reads_its_filters_from_the_address_searches_names_and_shows_statuses_in_words()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("/inventory?tier=High&environment=Production&q=retail");
        var page = context.Render<Inventory>();
        page.WaitForAssertion(() => page.Find("#inventory"));
        Assert.Equal(Governance.Domain.Models.RiskTier.High, desk.LastFilter!.RiskTier);
        Assert.Equal("production", desk.LastFilter.Environment);
        Assert.Contains("Retail credit scoring", page.Find("#inventory").TextContent);
        Assert.Contains("approval requested", page.Find("#inventory").TextContent);
        Assert.DoesNotContain("ApprovalRequested", page.Find("#inventory").TextContent);
        Assert.NotEmpty(page.FindAll(".mud-table-pagination"));
        Assert.NotEmpty(page.FindAll("#inventory .mud-table-sort-label"));

        Field(page, "Name or id").Input("fraud");
        page.Find("#apply-filters").Click();
        page.WaitForAssertion(() => Assert.Contains("No model matches", page.Find("#inventory").TextContent));
        Assert.Contains("q=fraud", context.Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Contains("tier=High", context.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public async Task Defect_8_search_takes_pasted_sha256sum_output_and_searches_on_enter()
    {
        var (context, _) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<Search>();
        page.Find("input").Input(new string('a', 64) + "  model.zip");
        page.Find("input").KeyUp(new KeyboardEventArgs { Key = "Enter" });
        page.WaitForAssertion(() => Assert.Contains("credit", page.Find("#covering-approvals").TextContent));
        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Fact]
    public async Task Defect_8_dates_are_shown_in_iso_8601_and_can_be_typed()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));
        var expires = Field(page, "Approval expires");
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", expires.GetAttribute("value"));
        Assert.False(expires.HasAttribute("readonly"));
        expires.Change("2027-06-30");
        page.Find("textarea").Input("Sound.");
        page.Find("#approve").Click();
        page.Find("#confirm").Click();
        page.WaitForAssertion(() => Assert.Single(desk.Decisions));
        Assert.Equal(new DateTime(2027, 6, 30), desk.Decisions[0].ExpiresAt.UtcDateTime.Date);
    }

    [Fact]
    public async Task An_officer_comments_on_the_approval_and_corrects_the_comment_by_superseding_it()
    {
        var (context, desk) = await ComponentTests.Context();
        await using var _ = context;
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#discussion"));
        Assert.Contains("No comment yet", page.Find("#discussion").TextContent);

        Field(page, "Your comment").Input("Is PSI monitored monthly?");
        Field(page, "Your comment").Blur();
        page.Find("#post-comment").Click();
        page.WaitForAssertion(() => Assert.Contains("Is PSI monitored monthly?", page.Find("#discussion").TextContent));
        // The emptied field waits for the next comment: a posted comment does not leave "Required" in red under it.
        Assert.Empty(page.FindAll("#discussion .mud-input-error"));
        Assert.DoesNotContain("Required", page.Find("#discussion").TextContent);
        page.FindAll("#discussion button").First(b => b.TextContent.Contains("Correct")).Click();
        Assert.Equal(
            "Is PSI monitored monthly?",
            Field(page, "Your comment").GetAttribute("value") ?? Field(page, "Your comment").TextContent
        );
        Field(page, "Your comment").Input("Is PSI monitored weekly?");
        page.Find("#post-comment").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("#discussion .comment-superseded")));
        Assert.Contains("Is PSI monitored monthly?", page.Find("#discussion .comment-superseded").TextContent);
        Assert.Contains("Is PSI monitored weekly?", page.Find("#discussion").TextContent);
        var comments = desk.Discussion!.Comments;
        Assert.Equal(2, comments.Count);
        Assert.Equal(comments[0].Id, comments[1].Supersedes);
        Assert.Equal(DeskWithOneRequest.Rita, comments[1].Author);
    }

    [Fact]
    public async Task The_inventory_csv_quotes_per_rfc_4180_and_defuses_spreadsheet_formulas()
    {
        var model = DeskWithOneRequest.Model with { Name = "=HYPERLINK(\"http://x\"), \"PD\"" };
        var entry = new Governance.Ledger.Models.InventoryEntry
        {
            Id = model.Id,
            Model = model,
            Versions =
            [
                new Governance.Ledger.Models.InventoryVersion(
                    "1.1.0",
                    Governance.Domain.ModelVersions.ModelVersionStatus.ApprovalRequested,
                    DeskWithOneRequest.Version.ArtifactDigest,
                    DeskWithOneRequest.T0,
                    DeskWithOneRequest.T0,
                    []
                ),
            ],
        };

        var lines = InventoryCsv.Write([entry], await new Directory().NamesAsync(default)).Split("\r\n");

        Assert.Equal(string.Join(',', InventoryCsv.Header), lines[0]);
        Assert.Equal(
            "credit,\"'=HYPERLINK(\"\"http://x\"\"), \"\"PD\"\"\",High,Olivia Owner,no,1.1.0,Approval requested,"
                + DeskWithOneRequest.Version.ArtifactDigest
                + ",2026-10-01T09:00:00Z,,",
            lines[1]
        );
        Assert.Equal("", lines[2]);
    }

    [Fact]
    public void The_inventory_query_reads_the_address_and_writes_it_back()
    {
        var address = new Dictionary<string, string?>
        {
            ["q"] = " retail ",
            ["tier"] = "high",
            ["environment"] = "Production",
            ["asOf"] = "2027-01-31",
            ["live"] = "true",
            ["status"] = "NotAStatus",
        };
        var query = InventoryQuery.Parse(name => address.GetValueOrDefault(name));

        Assert.Equal(
            new InventoryQuery("retail", Governance.Domain.Models.RiskTier.High, null, "Production", null, new DateTime(2027, 1, 31), true),
            query
        );
        Assert.Equal("production", query.Filter.Environment);
        Assert.Equal(new DateTimeOffset(2027, 1, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), query.Filter.AsOf);
        Assert.Equal(query with { Environment = "production" }, InventoryQuery.Parse(name => query.Parameters[name]?.ToString()));
    }
}
