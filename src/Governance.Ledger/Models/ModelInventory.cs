using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.Models;

/// <summary>Inventory filters (SR 11-7 / SS1/23 principle 1); null or empty means any. The owner is matched by subject id,
/// exactly. <paramref name="AsOf"/> asks for the inventory as it stood then (the UI's "as of" picker).</summary>
public sealed record InventoryFilter(
    RiskTier? RiskTier = null,
    ModelVersionStatus? Status = null,
    string? Environment = null,
    string? Owner = null,
    DateTimeOffset? AsOf = null
);

/// <summary>What the dashboard counts: the numbers a risk team watches. <paramref name="RunningWithoutValidApproval"/>: slots whose
/// live version's approval was revoked, suspended or expired, or that an emergency rollback filled;
/// <paramref name="EmergencyRollbacks"/>: live versions restored by an emergency rollback, until replaced.</summary>
public sealed record DashboardCounts(
    int PendingApprovals,
    int ExpiringWithin30Days,
    int RefusedDeploymentAttempts,
    int Models,
    int LiveVersions,
    int RunningWithoutValidApproval = 0,
    int EmergencyRollbacks = 0
);

/// <summary>A model server's report of a load no approval allowed, as the dashboard alerts on it.</summary>
public sealed record UnapprovedLoadAlert(string ModelId, string Version, UnapprovedLoad Load);

/// <summary>The newest unapproved loads reported (at most the number asked for) and how many the ledger holds.</summary>
public sealed record UnapprovedLoadAlerts(int Total, IReadOnlyList<UnapprovedLoadAlert> Newest);

/// <summary>The model inventory: registering and retiring models, and reading the inventory and the dashboard from it.</summary>
public sealed class ModelInventory(
    IDocumentStore store,
    LedgerWriter writer,
    TimeProvider clock,
    EnvironmentSlots slots,
    PointInTime history,
    ReplicaReads replicas
)
{
    public static readonly IReadOnlyList<string> RegisterRoles = [Roles.ModelOwner];
    public static readonly IReadOnlyList<string> RetireRoles = [Roles.ModelOwner, Roles.RiskOfficer];

    /// <summary>Enters a model in the inventory; the caller becomes its owner.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; conflict if the id is taken.</exception>
    public Task<Written<Model>> RegisterAsync(RegisterModel command, CommandCall call, CancellationToken ct) =>
        DecideOnModelAsync(
            command.ModelId ?? "",
            call,
            RegisterRoles,
            (state, context) => RegisterModelDecision.Decide(command, state, context),
            ct
        );

    /// <summary>Who may name a delegate: the owner, a person or (for machine owners of earlier releases) a client.</summary>
    public static readonly IReadOnlyList<string> DelegateRoles = [Roles.ModelOwner];

    /// <summary>Who may withdraw a delegate: the owner, and risk officers and administrators (off-boarding).</summary>
    public static readonly IReadOnlyList<string> WithdrawDelegateRoles = [Roles.ModelOwner, Roles.RiskOfficer, Roles.Admin];

    /// <summary>Who records, and so approves, a transfer of ownership.</summary>
    public static readonly IReadOnlyList<string> TransferRoles = [Roles.RiskOfficer, Roles.Admin];

    /// <summary>Retires a model: it takes no new versions. Its owner, a delegate or a risk officer may.</summary>
    public async Task<Written<Model>> RetireAsync(RetireModel command, CommandCall call, CancellationToken ct)
    {
        var roles = await LoadAsync(command.ModelId, ct) is { } model
            ? ModelVersions.ModelVersionRecords.FirstLineOrOfficer(model, call.Caller)
            : RetireRoles;
        return await DecideOnModelAsync(
            command.ModelId,
            call,
            roles,
            (state, context) => RetireModelDecision.Decide(command, state, context),
            ct
        );
    }

    /// <summary>The owner names a delegate (a person, or a machine client such as a CI pipeline).</summary>
    /// <exception cref="GovernanceRuleException">Invalid delegate id; forbidden unless the owner; not found; conflict when already
    /// a delegate.</exception>
    public Task<Written<Model>> AddDelegateAsync(AddModelDelegate command, CommandCall call, CancellationToken ct) =>
        DecideOnModelAsync(command.ModelId, call, DelegateRoles, (state, context) => ModelStewardship.Decide(command, state, context), ct);

    /// <summary>Withdraws a delegate.</summary>
    public Task<Written<Model>> RemoveDelegateAsync(RemoveModelDelegate command, CommandCall call, CancellationToken ct) =>
        DecideOnModelAsync(
            command.ModelId,
            call,
            WithdrawDelegateRoles,
            (state, context) => ModelStewardship.Decide(command, state, context),
            ct
        );

    /// <summary>Records a transfer of ownership, approved by the risk officer or administrator recording it.</summary>
    public Task<Written<Model>> TransferOwnershipAsync(TransferModelOwnership command, CommandCall call, CancellationToken ct) =>
        DecideOnModelAsync(command.ModelId, call, TransferRoles, (state, context) => ModelStewardship.Decide(command, state, context), ct);

    /// <summary>A command on the model's own stream, answered with the model after it.</summary>
    private Task<Written<Model>> DecideOnModelAsync(
        string modelId,
        CommandCall call,
        IReadOnlyList<string> roles,
        Func<Model?, CommandContext, object> decide,
        CancellationToken ct
    ) => writer.DecideAsync<Model, Model>(modelId, Model.Evolve, call, roles, decide, w => w.After!, ct);

    /// <summary>One model's state, or null.</summary>
    public async Task<Model?> LoadAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Model>(modelId, ct);
    }

    /// <summary>The inventory, by model id, filtered; the version filters look at every version of a model.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input naming the filter: an environment that is not an identifier, an
    /// owner that is not single-line text.</exception>
    public async Task<IReadOnlyList<InventoryEntry>> InventoryAsync(InventoryFilter filter, CancellationToken ct) =>
        await InventoryAsync(filter, filter.AsOf is { } at ? await history.ResolveAsync(at, null, ct) : null, ct);

    /// <summary>The inventory as of <paramref name="point"/> (now when null), filtered: each entry with its slots at that point;
    /// the entries are read on the read replica when one is configured (<see cref="ReplicaReads"/>).
    /// As of a past point the entries are folded from every event up to it (an audit question, not a hot path).</summary>
    /// <exception cref="GovernanceRuleException">Invalid input naming the filter.</exception>
    public async Task<IReadOnlyList<InventoryEntry>> InventoryAsync(InventoryFilter filter, LedgerPoint? point, CancellationToken ct)
    {
        var check = new InputCheck().Optional(filter.Owner, "owner", 200);
        if (!string.IsNullOrWhiteSpace(filter.Environment))
            check.Slug(filter.Environment, "environment");
        check.ThrowIfAny();
        IReadOnlyList<InventoryEntry> entries;
        if (point is null or { Current: true })
        {
            await using var session = await replicas.OpenAsync(ct);
            var query = session.Query<InventoryEntry>().AsQueryable();
            if (filter.RiskTier is { } tier)
                query = query.Where(e => e.Model.RiskTier == tier);
            if (!string.IsNullOrWhiteSpace(filter.Owner))
                query = query.Where(e => e.Model.OwnerId == filter.Owner);
            entries = await query.OrderBy(e => e.Id).ToListAsync(ct);
        }
        else
            entries = Fold(await history.AllEventsAsync(point.Position, ct))
                // A version whose model no event registered (rows written outside the write path) is no inventory entry.
                .Where(e => e.Model is not null)
                .Where(e => filter.RiskTier is null || e.Model.RiskTier == filter.RiskTier)
                .Where(e => string.IsNullOrWhiteSpace(filter.Owner) || e.Model.OwnerId == filter.Owner)
                .OrderBy(e => e.Id, StringComparer.Ordinal)
                .ToArray();
        entries = await WithSlotsAsync(entries, point, ct);
        // Filters over the versions' lifecycle are applied in memory: a bank's inventory is hundreds of models, not millions.
        return entries
            .Where(e => filter.Status is null || e.Versions.Any(v => v.Status == filter.Status))
            .Where(e => string.IsNullOrWhiteSpace(filter.Environment) || e.LiveEnvironments.Contains(filter.Environment))
            .ToArray();
    }

    /// <summary>One model's inventory entry with its slots, now or as of <paramref name="point"/>, or null if it was not
    /// registered then.</summary>
    public async Task<InventoryEntry?> EntryAsync(string modelId, CancellationToken ct, LedgerPoint? point = null)
    {
        InventoryEntry? entry;
        if (point is null or { Current: true })
        {
            await using var session = await replicas.OpenAsync(ct);
            entry = await session.LoadAsync<InventoryEntry>(modelId, ct);
        }
        else
        {
            var streams = await history.StreamsStartingWithAsync($"{modelId}@", point.Position, ct);
            entry = Fold(await history.EventsAsync([modelId, .. streams], point.Position, ct)).SingleOrDefault();
        }
        return entry is null ? null : (await WithSlotsAsync([entry], point, ct))[0];
    }

    /// <summary>The inventory entries <paramref name="events"/> build, through the inline projection's own evolve.</summary>
    private static IReadOnlyList<InventoryEntry> Fold(IReadOnlyList<IEvent> events)
    {
        var projection = new InventoryProjection();
        var entries = new Dictionary<string, InventoryEntry?>();
        foreach (var e in events)
        {
            var id = e.Data switch
            {
                IModelEvent m => m.ModelId,
                IModelVersionEvent v => v.ModelId,
                _ => null,
            };
            if (id is not null)
                entries[id] = projection.Evolve(entries.GetValueOrDefault(id), id, e);
        }
        return entries.Values.OfType<InventoryEntry>().ToArray();
    }

    /// <summary>The entries with their slots at <paramref name="point"/> (now when null): the live environments come from them.</summary>
    private async Task<IReadOnlyList<InventoryEntry>> WithSlotsAsync(
        IReadOnlyList<InventoryEntry> entries,
        LedgerPoint? point,
        CancellationToken ct
    )
    {
        if (entries.Count == 0)
            return entries;
        var views = await slots.OfModelsAsync(
            entries.Select(e => e.Id).ToArray(),
            point ?? new LedgerPoint(long.MaxValue, clock.GetUtcNow(), true),
            ct
        );
        return entries.Select(e => e with { Slots = views.GetValueOrDefault(e.Id)?.Select(SlotSummary.Of).ToArray() ?? [] }).ToArray();
    }

    /// <summary>Pending approvals, approvals expiring within 30 days, refused deployment attempts, models, live versions.</summary>
    public async Task<DashboardCounts> DashboardAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var now = clock.GetUtcNow();
        var approvals = await session.Query<Approval>().ToListAsync(ct);
        var versions = await session.Query<ModelVersion>().ToListAsync(ct);
        var models = await session.Query<Model>().Select(m => m.Id).ToListAsync(ct);
        var live = (await slots.OfModelsAsync(models, new LedgerPoint(long.MaxValue, now, true), ct))
            .Values.SelectMany(s => s)
            .Where(s => s.Live is not null)
            .Select(s => s.Live!)
            .ToArray();
        return new DashboardCounts(
            approvals.Count(a => a.Status == ApprovalStatus.Pending),
            approvals.Count(a => a.ExpiresWithin(now, TimeSpan.FromDays(30))),
            versions.Sum(v => v.RefusedDeployments.Count),
            models.Count,
            versions.Count(v => v.LiveEnvironments.Count > 0),
            live.Count(s => !s.RunningWithValidApproval),
            live.Count(s => s.Deployment.EmergencyRollback)
        );
    }

    /// <summary>Loads that model servers reported and no approval allowed (<see cref="UnapprovedLoadReported"/>), newest first:
    /// the dashboard's alerts.</summary>
    public async Task<UnapprovedLoadAlerts> UnapprovedLoadsAsync(int newest, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var versions = await session.Query<ModelVersion>().Where(v => v.UnapprovedLoads.Any()).ToListAsync(ct);
        var alerts = versions.SelectMany(v => v.UnapprovedLoads.Select(u => new UnapprovedLoadAlert(v.ModelId, v.Version, u))).ToArray();
        return new UnapprovedLoadAlerts(alerts.Length, alerts.OrderByDescending(a => a.Load.At).Take(newest).ToArray());
    }
}
