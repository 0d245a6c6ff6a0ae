using System.Security.Claims;
using System.Text.Json;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger;
using Governance.Ledger.Approvals;
using Governance.Ledger.Attestations;
using Governance.Ledger.AuditTrail;
using Governance.Ledger.Datasets;
using Governance.Ledger.Discussion;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Governance.Ledger.Telemetry;
using Governance.Ledger.Validation;
using Governance.Ledger.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Ui.Desks;

/// <summary>Registers the role desks over the ledger's services (added by the host with <c>AddGovernanceLedger</c>); the host also
/// registers the <see cref="ISessionGuard"/> every command of the desks passes first, and the <see cref="IAccountDirectory"/> of the
/// administrator's screen.</summary>
public static class UiSetup
{
    public static IServiceCollection AddGovernanceUi(this IServiceCollection services) =>
        services
            .AddSingleton(new Components.NotificationBellOptions())
            .AddSingleton<IAuditDesk, LedgerAuditDesk>()
            .AddSingleton<IPointInTimeDesk, LedgerPointInTimeDesk>()
            .AddSingleton<IIntegrityDesk, LedgerIntegrityDesk>()
            .AddSingleton<LedgerApprovalDesk>()
            .AddSingleton<LedgerValidationDesk>()
            .AddSingleton<LedgerOwnerDesk>()
            .AddSingleton<LedgerStewardshipDesk>()
            .AddSingleton<IStewardshipDesk, GuardedStewardshipDesk>()
            .AddSingleton<LedgerDiscussionDesk>()
            .AddSingleton<IDiscussionDesk, GuardedDiscussionDesk>()
            .AddSingleton<IApprovalDesk, GuardedApprovalDesk>()
            .AddSingleton<IValidationDesk, GuardedValidationDesk>()
            .AddSingleton<LedgerFindingDesk>()
            .AddSingleton<IFindingDesk, GuardedFindingDesk>()
            .AddSingleton<IComparisonDesk, LedgerComparisonDesk>()
            .AddSingleton<IAdminDesk, LedgerAdminDesk>()
            .AddSingleton<INotificationDesk, LedgerNotificationDesk>()
            .AddScoped<Components.NotificationBellSignal>()
            .AddSingleton<IOwnerDesk, GuardedOwnerDesk>()
            .AddSingleton<LedgerTechnicalFileDesk>()
            .AddSingleton<ITechnicalFileDesk, GuardedTechnicalFileDesk>();
}

/// <summary>
/// A UI command as a ledger call made by the signed-in person (subject and roles from the session), and
/// its refusal as an outcome to show: the ledger decides, the page only reports.
/// </summary>
internal static class PersonCalls
{
    public static CommandCall Call(ClaimsPrincipal person, long? renderedVersion = null) =>
        new(
            Caller.FromToken(
                person.FindFirstValue("sub") ?? person.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
                tokenClientId: null,
                Roles.All.Where(person.IsInRole).ToArray()
            ),
            $"ui-{Guid.NewGuid():N}",
            renderedVersion
        );

    public static async Task<DecisionOutcome> Outcome<TResult>(Func<Task<Written<TResult>>> command, Func<TResult, string> success)
    {
        try
        {
            return new DecisionOutcome(true, null, success((await command()).Result));
        }
        catch (GovernanceRuleException refused) when (refused.Code == "concurrency.stale_version")
        {
            LedgerTelemetry.Refused(refused, "ui");
            return new DecisionOutcome(
                false,
                refused.Code,
                "Someone else changed this record since this page was shown; nothing was recorded. Reload and try again."
            );
        }
        catch (GovernanceRuleException refused)
        {
            LedgerTelemetry.Refused(refused, "ui");
            return new DecisionOutcome(false, refused.Code, refused.Message, refused.FieldErrors);
        }
    }
}

internal sealed class LedgerAuditDesk(
    ModelInventory inventory,
    ModelVersionRecords versions,
    ServingHosts serving,
    EventTrail trail,
    ApprovalQueries approvals,
    TimeProvider clock
) : IAuditDesk
{
    /// <summary>How many unapproved loads the dashboard lists (the newest); it says how many there are in all.</summary>
    public const int DashboardAlerts = 20;

    private static readonly JsonSerializerOptions Indented = new(LedgerJson.Options) { WriteIndented = true };

    public Task<DashboardCounts> DashboardAsync(CancellationToken ct) => inventory.DashboardAsync(ct);

    public Task<UnapprovedLoadAlerts> UnapprovedLoadsAsync(CancellationToken ct) => inventory.UnapprovedLoadsAsync(DashboardAlerts, ct);

    public Task<IReadOnlyList<InventoryEntry>> InventoryAsync(InventoryFilter filter, CancellationToken ct) =>
        inventory.InventoryAsync(filter, ct);

    public async Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct)
    {
        if (await inventory.EntryAsync(modelId, ct) is not { } entry)
            return null;
        var events = await trail.ModelTimelineAsync(modelId, ct);
        var ofModel = await versions.OfModelAsync(modelId, ct);
        return new ModelTimeline(
            entry.Model,
            ofModel,
            await serving.OfModelAsync(modelId, ofModel, ct),
            events
                .Select(e => new TimelineEvent(
                    e.Sequence,
                    e.Stream,
                    e.EventType,
                    e.At,
                    e.Actor,
                    e.Reason,
                    e.PayloadDigest,
                    JsonSerializer.Serialize(e.Payload, e.Payload.GetType(), Indented)
                ))
                .ToArray()
        );
    }

    public async Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct) =>
        Digest.IsSha256(artifactDigest) ? await approvals.ListAsync(artifactDigest, null, ct) : [];

    public async Task<IReadOnlyList<Approval>> ApprovalsExpiringAsync(int days, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return (await approvals.ListAsync(null, ApprovalStatus.Approved, ct))
            .Where(a => a.ExpiresWithin(now, TimeSpan.FromDays(days)))
            .OrderBy(a => a.ExpiresAt)
            .ToArray();
    }

    public async Task<Approval?> ApprovalAsync(string approvalId, CancellationToken ct)
    {
        try
        {
            return await approvals.GetAsync(approvalId, ct);
        }
        catch (GovernanceRuleException missing) when (missing.Kind == RuleKind.NotFound)
        {
            return null;
        }
    }
}

internal sealed class LedgerApprovalDesk(ApprovalQueries queries, ApprovalRecords approvals, BreachRecords breaches) : IApprovalDesk
{
    public Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(ClaimsPrincipal officer, CancellationToken ct) =>
        queries.QueueAsync(PersonCalls.Call(officer).Caller.SubjectId, ct);

    public Task<IReadOnlyList<BreachReviewItem>> BreachReviewsAsync(ClaimsPrincipal officer, CancellationToken ct) =>
        breaches.OpenReviewsAsync(PersonCalls.Call(officer).Caller.SubjectId, ct);

    public Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct) => queries.ReviewAsync(approvalId, ct);

    public Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct) =>
        PersonCalls.Outcome(
            async () =>
                await approvals.SignOffAsync(
                    await queries.VersionOfAsync(decision.ApprovalId, ct),
                    new ApproveModelVersion(
                        decision.ApprovalId,
                        decision.ArtifactDigest,
                        decision.Environment,
                        decision.Rationale,
                        decision.Conditions,
                        decision.ExpiresAt
                    ),
                    PersonCalls.Call(officer, decision.RenderedVersion),
                    ct
                ),
            approval =>
                approval.Status == ApprovalStatus.Approved
                    ? "Approved: all required sign-offs are recorded and the signed attestation was issued."
                    : "Your sign-off is recorded; the approval needs another risk officer."
        );

    public Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            async () =>
                await approvals.RejectAsync(
                    await queries.VersionOfAsync(approvalId, ct),
                    new RejectApproval(approvalId, reason),
                    PersonCalls.Call(officer, renderedVersion),
                    ct
                ),
            _ => "Rejected; the reasons are recorded."
        );

    public Task<DecisionOutcome> RevokeAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            async () =>
                await approvals.RevokeAsync(
                    await queries.VersionOfAsync(approvalId, ct),
                    new RevokeApproval(approvalId, reason),
                    PersonCalls.Call(officer, renderedVersion),
                    ct
                ),
            _ => "Revoked: the approval allows no deployment from now on, and model servers are told at their next status check."
        );
}

internal sealed class LedgerDiscussionDesk(DiscussionRecords discussions) : IDiscussionDesk
{
    public Task<ApprovalDiscussion> DiscussionAsync(string approvalId, CancellationToken ct) => discussions.OfApprovalAsync(approvalId, ct);

    public Task<DecisionOutcome> CommentAsync(ClaimsPrincipal person, string approvalId, PostComment comment, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => discussions.PostAsync(approvalId, comment, PersonCalls.Call(person), ct),
            _ =>
                comment.Supersedes is null
                    ? "Your comment is posted."
                    : "Your correction is posted; the earlier comment is kept, marked superseded."
        );
}

internal sealed class LedgerStewardshipDesk(ModelInventory inventory, ModelVersionRecords versions) : IStewardshipDesk
{
    public Task<DecisionOutcome> RetireModelAsync(ClaimsPrincipal person, string modelId, string reason, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => inventory.RetireAsync(new RetireModel(modelId, reason), PersonCalls.Call(person), ct),
            m => $"Model {m.Id} is retired: it takes no new versions."
        );

    public Task<DecisionOutcome> RetireVersionAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        string reason,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => versions.RetireAsync(new VersionRef(modelId, version), new RetireModelVersion(reason), PersonCalls.Call(person), ct),
            v => $"Version {v.Version} is retired: it can no longer be approved or deployed."
        );

    public Task<DecisionOutcome> WithdrawDelegateAsync(
        ClaimsPrincipal person,
        string modelId,
        string delegateId,
        string reason,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => inventory.RemoveDelegateAsync(new RemoveModelDelegate(modelId, delegateId, reason), PersonCalls.Call(person), ct),
            _ => "The delegate is withdrawn."
        );
}

internal sealed class LedgerValidationDesk(ValidationRecords validation) : IValidationDesk
{
    public Task<IReadOnlyList<ValidationQueueItem>> ValidationQueueAsync(CancellationToken ct) => validation.QueueAsync(ct);

    public Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        ValidationQueueItem item,
        RecordValidationOutcome outcome,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () =>
                validation.RecordOutcomeAsync(
                    new VersionRef(item.Version.ModelId, item.Version.Version),
                    outcome,
                    PersonCalls.Call(validator, item.StreamVersion),
                    ct
                ),
            _ => "The validation outcome is recorded."
        );
}

internal sealed class LedgerOwnerDesk(
    DatasetRegister datasets,
    ModelInventory inventory,
    ModelVersionRecords versions,
    ValidationRecords validation,
    ApprovalRecords approvals
) : IOwnerDesk
{
    public Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct) => datasets.ListAsync(ct);

    public Task<DecisionOutcome> RegisterModelAsync(ClaimsPrincipal owner, RegisterModel command, CancellationToken ct) =>
        PersonCalls.Outcome(() => inventory.RegisterAsync(command, PersonCalls.Call(owner), ct), m => $"Model {m.Id} is in the inventory.");

    public Task<DecisionOutcome> RegisterDatasetAsync(ClaimsPrincipal owner, RegisterDataset command, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => datasets.RegisterAsync(command, PersonCalls.Call(owner), ct),
            d => $"Dataset {d.Name} {d.Version} registered; manifest {d.ManifestDigest}."
        );

    public Task<DecisionOutcome> RegisterVersionAsync(ClaimsPrincipal owner, RegisterModelVersion command, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => versions.RegisterAsync(command, PersonCalls.Call(owner), ct),
            v => $"Version {v.Version} of {v.ModelId} registered with artifact {v.ArtifactDigest}."
        );

    public Task<DecisionOutcome> SubmitForValidationAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        SubmitForValidation command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => validation.SubmitAsync(new VersionRef(modelId, version), command, PersonCalls.Call(owner), ct),
            _ => "Submitted for independent validation."
        );

    public Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        MonitoringPlan? monitoringPlan,
        DecisionPolicy? decisionPolicy,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () =>
                approvals.RequestAsync(
                    new VersionRef(modelId, version),
                    environment,
                    intendedUse,
                    null,
                    PersonCalls.Call(owner),
                    ct,
                    monitoringPlan,
                    decisionPolicy
                ),
            _ => $"Approval for {environment} requested; it is in the risk officers' queue."
        );
}
