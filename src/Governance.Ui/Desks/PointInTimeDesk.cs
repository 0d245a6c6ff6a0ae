using Governance.Ledger.Deployments;
using Governance.Ledger.Models;
using Governance.Ledger.Sequencing;

namespace Governance.Ui.Desks;

/// <summary>An answer as of a ledger point, with the point it was computed at (every page states the position it used).</summary>
public sealed record AsOfAnswer<T>(LedgerPoint Point, T Answer);

/// <summary>
/// "What was live on date X", and the inventory and a model's slots as they stood then: each answer resolved once to a ledger
/// point by <see cref="PointInTime"/> (the same rules as the API's <c>?asOf=</c>: the highest safe position whose events were
/// all recorded by then), so the page states the position its answer used.
/// </summary>
public interface IPointInTimeDesk
{
    /// <summary>The inventory as of <see cref="InventoryFilter.AsOf"/> (now when null), filtered.</summary>
    /// <exception cref="Domain.Shared.GovernanceRuleException">Invalid input naming the filter.</exception>
    Task<AsOfAnswer<IReadOnlyList<InventoryEntry>>> InventoryAsync(InventoryFilter filter, CancellationToken ct);

    /// <summary>One model's environment slots as of <paramref name="asOf"/> (now when null).</summary>
    Task<AsOfAnswer<IReadOnlyList<SlotView>>> ModelSlotsAsync(string modelId, DateTimeOffset? asOf, CancellationToken ct);

    /// <summary>An environment's live versions and its history of slot intervals as of <paramref name="asOf"/> (now when null).</summary>
    /// <exception cref="Domain.Shared.GovernanceRuleException">Invalid input: an environment that is not an identifier.</exception>
    Task<AsOfAnswer<EnvironmentHistory>> EnvironmentAsync(string environment, DateTimeOffset? asOf, CancellationToken ct);
}

internal sealed class LedgerPointInTimeDesk(PointInTime history, ModelInventory inventory, EnvironmentSlots slots) : IPointInTimeDesk
{
    public async Task<AsOfAnswer<IReadOnlyList<InventoryEntry>>> InventoryAsync(InventoryFilter filter, CancellationToken ct)
    {
        var point = await history.ResolveAsync(filter.AsOf, null, ct);
        return new(point, await inventory.InventoryAsync(filter, point, ct));
    }

    public async Task<AsOfAnswer<IReadOnlyList<SlotView>>> ModelSlotsAsync(string modelId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var point = await history.ResolveAsync(asOf, null, ct);
        return new(point, await slots.OfModelAsync(modelId, point, ct));
    }

    public async Task<AsOfAnswer<EnvironmentHistory>> EnvironmentAsync(string environment, DateTimeOffset? asOf, CancellationToken ct)
    {
        new Domain.Shared.InputCheck().Slug(environment, "environment").ThrowIfAny();
        var point = await history.ResolveAsync(asOf, null, ct);
        return new(point, await slots.HistoryAsync(environment, point, ct));
    }
}
