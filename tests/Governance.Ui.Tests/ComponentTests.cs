using System.Security.Claims;
using Bunit;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.Approvals;
using Governance.Ledger.Models;
using Governance.Ledger.People;
using Governance.Ledger.Validation;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>The ledger as the UI sees it, in memory: one version awaiting approval, and the outcome the next decision gets.</summary>
internal sealed class DeskWithOneRequest : IAuditDesk, IApprovalDesk, IValidationDesk, IOwnerDesk, IStewardshipDesk, IDiscussionDesk
{
    /// <summary>The signed-in officer of <see cref="ComponentTests.Context"/>, as the ledger names her.</summary>
    public static readonly Actor Rita = new("user:rita", Roles.RiskOfficer);

    /// <summary>The discussion of approval-1, folded from the comments posted through the domain's decision.</summary>
    public ApprovalDiscussion? Discussion { get; private set; }

    public Task<ApprovalDiscussion> DiscussionAsync(string approvalId, CancellationToken ct) =>
        Task.FromResult(
            Discussion
                ?? new ApprovalDiscussion
                {
                    Id = ApprovalDiscussion.StreamKey("credit", "1.1.0", approvalId),
                    ModelId = "credit",
                    Version = "1.1.0",
                    ApprovalId = approvalId,
                }
        );

    public async Task<DecisionOutcome> CommentAsync(ClaimsPrincipal person, string approvalId, PostComment comment, CancellationToken ct)
    {
        var answer = await Answer("comment", comment);
        if (answer.Recorded)
        {
            var posted = DiscussionDecisions.Decide(
                comment,
                Version.FindApproval(approvalId)!,
                Discussion,
                $"comment-{Commands.Count}",
                new CommandContext(Rita, T0.AddDays(Commands.Count), "c")
            );
            Discussion = ApprovalDiscussion.Evolve(Discussion, posted);
        }
        return answer;
    }

    /// <summary>When set, every command waits for it before answering: a command still running, as when a person double-clicks.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Every command the pages sent, by name and its main argument, in order.</summary>
    public List<(string Command, object Argument)> Commands { get; } = [];

    /// <summary>The versions awaiting validation; a recorded outcome removes its version, as the ledger's queue does.</summary>
    public List<ValidationQueueItem> ValidationQueue { get; } = [];

    /// <summary>The review file the page gets (the one pending request by default).</summary>
    public Func<ReviewFile?>? ReviewFile { get; set; }

    public InventoryFilter? LastFilter { get; private set; }

    private async Task<DecisionOutcome> Answer(string command, object argument, DecisionOutcome? repeated = null)
    {
        var again = Commands.Any(c => c.Command == command);
        Commands.Add((command, argument));
        if (Gate is { } gate)
            await gate.Task;
        return again && repeated is not null ? repeated : NextOutcome;
    }

    public static readonly DateTimeOffset T0 = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
    public DecisionOutcome NextOutcome { get; set; } =
        new(true, null, "Approved: all required sign-offs are recorded and the signed attestation was issued.");
    public List<ApprovalDecision> Decisions { get; } = [];

    private static readonly Actor Owner = new("user:owner", Roles.ModelOwner);
    public static readonly ModelVersion Version = new object[]
    {
        new ModelVersionRegistered(
            "credit",
            "1.1.0",
            "s3://m/1.1.0.zip",
            "sha256:" + new string('a', 64),
            100,
            ArtifactFormat.MlNetZip,
            "sha256:" + new string('c', 64),
            "sha256:" + new string('d', 64),
            new Dictionary<string, double> { ["auc"] = 0.79 },
            "abc",
            new Dictionary<string, string>(),
            RiskTier.High,
            Owner.SubjectId,
            new Audit(Owner, T0, "r", "c")
        ),
        new SubmittedForValidation("credit", "1.1.0", "Evidence", null, null, new Audit(Owner, T0, "r", "c")),
        new ValidationCompleted(
            "credit",
            "1.1.0",
            ValidationOutcome.Passed,
            [],
            new Audit(new Actor("user:val", Roles.Validator), T0, "Sound", "c")
        ),
        new ApprovalRequested(
            "credit",
            "1.1.0",
            "approval-1",
            "production",
            "Retail credit decisions",
            "sha256:" + new string('a', 64),
            2,
            new Audit(Owner, T0, "r", "c")
        ),
    }.Aggregate((ModelVersion?)null, ModelVersion.Evolve)!;

    public static readonly Model Model = Model.Evolve(
        null,
        new ModelRegistered(
            "credit",
            "Retail credit scoring",
            Owner.SubjectId,
            "Scores applicants",
            RiskTier.High,
            "Annex III 5(b)",
            ["EU"],
            new Audit(Owner, T0, "r", "c")
        )
    )!;

    public Task<DashboardCounts> DashboardAsync(CancellationToken ct) => Task.FromResult(new DashboardCounts(1, 2, 3, 4, 5));

    private static readonly Actor Server = new("scorer", "Scoring host", Roles.DeploymentPipeline);

    /// <summary>One load reported that no approval allows, among 21 reported.</summary>
    public Task<UnapprovedLoadAlerts> UnapprovedLoadsAsync(CancellationToken ct) =>
        Task.FromResult(
            new UnapprovedLoadAlerts(
                21,
                [
                    new UnapprovedLoadAlert(
                        "credit",
                        "1.1.0",
                        new UnapprovedLoad(
                            "production",
                            "rogue-scorer-7",
                            "sha256:" + new string('e', 64),
                            null,
                            [new DenialReason("digest_mismatch", "No approval covers this digest.")],
                            Server,
                            T0.AddHours(3)
                        )
                    ),
                ]
            )
        );

    /// <summary>A host serving the version, last verified an hour after its load.</summary>
    public static readonly ServingHost Serving = new(
        "credit",
        "1.1.0",
        "production",
        "scorer-1",
        new LoadReport("production", "scorer-1", Version.ArtifactDigest, true, null, Server, T0, "approval-1"),
        new LastVerification(
            LastVerification.KeyOf("credit", "1.1.0", "production", "scorer-1"),
            "credit",
            "1.1.0",
            "production",
            "scorer-1",
            Version.ArtifactDigest,
            "approval-1",
            T0.AddHours(1),
            Server
        )
    );

    public Task<IReadOnlyList<Governance.Ledger.Monitoring.BreachReviewItem>> BreachReviewsAsync(
        ClaimsPrincipal officer,
        CancellationToken ct
    ) => Task.FromResult<IReadOnlyList<Governance.Ledger.Monitoring.BreachReviewItem>>([]);

    public Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(ClaimsPrincipal officer, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<QueueItem>>([
            new QueueItem(
                "approval-1",
                "credit",
                "Retail credit scoring",
                "1.1.0",
                "production",
                RiskTier.High,
                T0,
                Owner.SubjectId,
                0,
                2,
                ApprovalPolicy.Default.ReviewDueBy(RiskTier.High, T0)
            ),
        ]);

    public Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct) =>
        Task.FromResult(
            approvalId != "approval-1" ? null
            : ReviewFile is { } file ? file()
            : new ReviewFile(Version.FindApproval("approval-1")!, Version, Model, null, null, [], 4)
        );

    public Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct)
    {
        Decisions.Add(decision);
        return Answer("approve", decision);
    }

    public Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) => Answer("reject", reason);

    public Task<DecisionOutcome> RevokeAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) => Answer("revoke", (approvalId, reason));

    public Task<DecisionOutcome> ResolveBreachAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reviewId,
        BreachResolution resolution,
        string rationale,
        long renderedVersion,
        CancellationToken ct
    ) => Answer("resolve-breach", (approvalId, reviewId, resolution, rationale, renderedVersion));

    public Task<DecisionOutcome> RetireModelAsync(ClaimsPrincipal person, string modelId, string reason, CancellationToken ct) =>
        Answer("retire-model", (modelId, reason));

    public Task<DecisionOutcome> RetireVersionAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        string reason,
        CancellationToken ct
    ) => Answer("retire-version", (modelId, version, reason));

    public Task<DecisionOutcome> WithdrawDelegateAsync(
        ClaimsPrincipal person,
        string modelId,
        string delegateId,
        string reason,
        CancellationToken ct
    ) => Answer("withdraw-delegate", (modelId, delegateId, reason));

    public Task<IReadOnlyList<InventoryEntry>> InventoryAsync(InventoryFilter filter, CancellationToken ct)
    {
        LastFilter = filter;
        return Task.FromResult<IReadOnlyList<InventoryEntry>>(
            filter.RiskTier is null or RiskTier.High
                ?
                [
                    new InventoryEntry
                    {
                        Id = Model.Id,
                        Model = Model,
                        Versions = [new InventoryVersion(Version.Version, Version.Status, Version.ArtifactDigest, T0, T0, [])],
                    },
                ]
                : []
        );
    }

    public Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct) =>
        Task.FromResult<ModelTimeline?>(modelId == "credit" ? new ModelTimeline(Model, [Version], [Serving], []) : null);

    public Task<IReadOnlyList<ValidationQueueItem>> ValidationQueueAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ValidationQueueItem>>(ValidationQueue.ToArray());

    public async Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        ValidationQueueItem item,
        RecordValidationOutcome outcome,
        CancellationToken ct
    )
    {
        var answer = await Answer("record-validation", (item.Version.ModelId, outcome));
        if (answer.Recorded)
            ValidationQueue.Remove(item);
        return answer;
    }

    public Task<DecisionOutcome> RegisterModelAsync(ClaimsPrincipal owner, RegisterModel command, CancellationToken ct) =>
        Answer("register-model", command);

    public Task<DecisionOutcome> RegisterDatasetAsync(ClaimsPrincipal owner, RegisterDataset command, CancellationToken ct) =>
        Answer("register-dataset", command);

    /// <summary>A second registration of the same version is refused, as the ledger refuses it.</summary>
    public Task<DecisionOutcome> RegisterVersionAsync(ClaimsPrincipal owner, RegisterModelVersion command, CancellationToken ct) =>
        Answer(
            "register-version",
            command,
            new DecisionOutcome(false, "version.already_registered", $"Version {command.Version} is already registered.")
        );

    public Task<DecisionOutcome> SubmitForValidationAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        SubmitForValidation command,
        CancellationToken ct
    ) => Task.FromResult(NextOutcome);

    public Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        MonitoringPlan? monitoringPlan,
        DecisionPolicy? decisionPolicy,
        CancellationToken ct
    ) => Task.FromResult(NextOutcome);

    public Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Dataset>>([]);

    public Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Approval>>(artifactDigest == Version.ArtifactDigest ? Version.Approvals : []);

    /// <summary>The approvals the page lists as expiring (none unless a test sets them).</summary>
    public List<Approval> Expiring { get; } = [];

    public Task<IReadOnlyList<Approval>> ApprovalsExpiringAsync(int days, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Approval>>(Expiring.ToArray());

    public async Task<Approval?> ApprovalAsync(string approvalId, CancellationToken ct) => (await ReviewAsync(approvalId, ct))?.Approval;
}

/// <summary>The identity store as the pages read it: names by subject, joined at read time (events carry subject ids).</summary>
internal sealed class Directory : IPeopleDirectory
{
    public Task<PeopleNames> NamesAsync(CancellationToken ct) =>
        Task.FromResult(
            new PeopleNames(new Dictionary<string, string> { ["user:owner"] = "Olivia Owner", ["user:val"] = "Victor Validator" })
        );
}

public sealed class ComponentTests
{
    internal static async Task<(BunitContext Context, DeskWithOneRequest Desk)> Context(string role = Roles.RiskOfficer)
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        var desk = new DeskWithOneRequest();
        context.Services.AddSingleton<IAuditDesk>(desk);
        context.Services.AddSingleton<IPointInTimeDesk>(new PointInTimeInMemory(desk));
        context.Services.AddSingleton<IApprovalDesk>(desk);
        context.Services.AddSingleton<IValidationDesk>(desk);
        context.Services.AddSingleton<IOwnerDesk>(desk);
        context.Services.AddSingleton<IStewardshipDesk>(desk);
        context.Services.AddSingleton<IDiscussionDesk>(desk);
        context.Services.AddSingleton<IMonitoringDesk>(new MonitoringInMemory());
        context.Services.AddSingleton<IPeopleDirectory>(new Directory());
        context.Services.AddSingleton<IIntegrityDesk>(new IntegrityDeskStub());
        context.Services.AddSingleton<ITechnicalFileDesk>(new TechnicalFileInMemory(DeskWithOneRequest.Model, DeskWithOneRequest.Version));
        context.Services.AddSingleton<IFindingDesk>(
            new FindingsInMemory(DeskWithOneRequest.Model, DeskWithOneRequest.Version, TimeProvider.System)
        );
        context.Services.AddSingleton(TimeProvider.System);
        context.AddAuthorization().SetAuthorized("rita").SetRoles(role).SetClaims(new Claim("sub", "rita"));
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        await Task.CompletedTask;
        return (context, desk);
    }

    [Fact]
    public async Task Pages_name_people_from_the_directory_as_it_is_when_read()
    {
        var (context, _) = await Context();
        await using var _ = context;
        var queue = context.Render<ApprovalQueue>();
        queue.WaitForAssertion(() => Assert.Contains("by Olivia Owner", queue.Markup));
        var review = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        review.WaitForAssertion(() => Assert.Contains("Victor Validator", review.Markup));
        Assert.DoesNotContain("user:val", review.Markup);

        var inventory = context.Render<Inventory>();
        inventory.WaitForAssertion(() => Assert.Contains("Olivia Owner", inventory.Markup));
    }

    [Fact]
    public async Task The_dashboard_shows_the_counts_that_matter()
    {
        var (context, _) = await Context();
        await using var _ = context;
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Equal("1", page.Find("#pending-approvals").TextContent));
        Assert.Equal("2", page.Find("#expiring-approvals").TextContent);
        Assert.Equal("3", page.Find("#refused-deployments").TextContent);
    }

    [Fact]
    public async Task The_dashboard_alerts_on_loads_no_approval_allows_naming_host_environment_digest_reasons_and_time()
    {
        var (context, _) = await Context();
        await using var _ = context;
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => page.Find("#unapproved-loads"));
        Assert.Contains("21 reported, the newest 1 shown", page.Find("#unapproved-loads-title").TextContent);
        var alert = Assert.Single(page.FindAll("#unapproved-loads [role=alert]")).TextContent;
        Assert.Contains("credit 1.1.0", alert);
        Assert.Contains("rogue-scorer-7", alert);
        Assert.Contains("production", alert);
        Assert.Contains("sha256:" + new string('e', 64), alert);
        Assert.Contains("digest_mismatch: No approval covers this digest.", alert);
        Assert.Contains("2026-10-01 12:00:00 UTC", alert);
    }

    [Fact]
    public async Task The_model_page_lists_the_hosts_serving_each_version_with_their_last_verification()
    {
        var (context, _) = await Context();
        await using var _ = context;
        var page = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        page.WaitForAssertion(() => page.Find("#serving-hosts"));
        var row = Assert.Single(page.FindAll("#serving-hosts tbody tr")).TextContent;
        Assert.Contains("scorer-1", row);
        Assert.Contains("Serving", row);
        Assert.Contains("approval-1", row);
        Assert.Contains("2026-10-01 09:00:00", row);
        Assert.Contains("2026-10-01 10:00:00", row);
    }

    [Fact]
    public async Task Approving_restates_model_version_digest_and_environment_before_anything_is_signed()
    {
        var (context, desk) = await Context();
        await using var _ = context;
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));
        page.Find("textarea").Input("Sound and proportionate.");
        page.Find("#approve").Click();

        var confirmation = page.Find("#confirmation").TextContent;
        Assert.Contains("credit 1.1.0", confirmation);
        Assert.Contains("production", confirmation);
        Assert.Contains("sha256:" + new string('a', 64), confirmation);
        Assert.Empty(desk.Decisions);

        page.Find("#confirm").Click();
        page.WaitForAssertion(() => page.Find("#decision-recorded"));
        var decision = Assert.Single(desk.Decisions);
        Assert.Equal(
            ("sha256:" + new string('a', 64), "production", "Sound and proportionate."),
            (decision.ArtifactDigest, decision.Environment, decision.Rationale)
        );
    }

    [Fact]
    public async Task A_segregation_of_duties_refusal_is_shown_as_a_message_and_the_form_stays()
    {
        var (context, desk) = await Context();
        await using var _ = context;
        desk.NextOutcome = new DecisionOutcome(
            false,
            "segregation_of_duties.model_owner_cannot_approve",
            "The model owner cannot approve their own model version."
        );
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));
        page.Find("textarea").Input("Mine.");
        page.Find("#approve").Click();
        page.Find("#confirm").Click();

        page.WaitForAssertion(() => Assert.Contains("cannot approve their own", page.Find("#decision-refused").TextContent));
        Assert.NotNull(page.Find("#approve"));
    }

    [Fact]
    public async Task Search_by_digest_refuses_text_that_is_not_a_sha256_and_finds_the_approvals_covering_a_file()
    {
        var (context, _) = await Context();
        await using var _ = context;
        var page = context.Render<Search>();
        page.Find("input").Input("not a digest");
        page.Find("#find").Click();
        Assert.Contains("not a SHA-256", page.Find("[role=alert]").TextContent);

        page.Find("input").Input(new string('a', 64));
        page.Find("#find").Click();
        page.WaitForAssertion(() => Assert.Contains("credit", page.Find("#covering-approvals").TextContent));
    }

    [Fact]
    public async Task A_decision_without_a_rationale_is_not_offered_for_confirmation()
    {
        var (context, desk) = await Context();
        await using var _ = context;
        var page = context.Render<Review>(p => p.Add(r => r.ApprovalId, "approval-1"));
        page.WaitForAssertion(() => page.Find("#approve"));
        page.Find("#approve").Click();
        page.WaitForAssertion(() => Assert.Contains("Give a rationale", page.Find("#decision-refused").TextContent));
        Assert.Empty(page.FindAll("#confirmation"));
        Assert.Empty(desk.Decisions);
    }
}
