using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Ledger.Sequencing;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.Deployments;

/// <summary>
/// One model's slots in one environment as of a ledger point: the live, canary and shadow occupants with their standing
/// (running with a valid approval or not, and why), deployments in flight, every interval and failure.
/// </summary>
/// <param name="Position">The ledger position the answer is computed at.</param>
/// <param name="AsOf">The time approval expiry was judged at.</param>
public sealed record SlotView(
    string ModelId,
    string Environment,
    SlotStanding? Live,
    SlotStanding? Canary,
    SlotStanding? Shadow,
    IReadOnlyList<InFlightDeployment> InFlight,
    IReadOnlyList<SlotInterval> History,
    IReadOnlyList<FailedDeployment> Failed,
    long Position,
    DateTimeOffset AsOf
)
{
    /// <summary>The view of <paramref name="slot"/> at <paramref name="point"/>, the standing judged with the versions'
    /// states at that point.</summary>
    public static SlotView Of(EnvironmentSlot slot, IReadOnlyDictionary<string, ModelVersion> versions, LedgerPoint point)
    {
        SlotStanding? Standing(SlotInterval? occupant) =>
            occupant is null ? null : SlotStanding.Of(occupant, versions.GetValueOrDefault(occupant.Version), point.At);
        return new SlotView(
            slot.ModelId,
            slot.Environment,
            Standing(slot.Live),
            Standing(slot.Canary),
            Standing(slot.Shadow),
            slot.InFlight,
            slot.History,
            slot.Failed,
            point.Position,
            point.At
        );
    }
}

/// <summary>One interval of an environment's history: which version of which model filled which slot, from and to.</summary>
public sealed record EnvironmentHistoryEntry(string ModelId, SlotInterval Interval);

/// <summary>
/// An environment's history as of a ledger point (<c>GET /api/v1/environments/{env}/history</c>): every interval that had
/// begun by then, those still open then shown open, so "what was live at T" is the open live intervals.
/// </summary>
public sealed record EnvironmentHistory(
    string Environment,
    IReadOnlyList<EnvironmentHistoryEntry> LiveAtPosition,
    IReadOnlyList<EnvironmentHistoryEntry> Intervals,
    long Position,
    DateTimeOffset AsOf
);

/// <summary>Reading environment slots, now or as of a ledger point.</summary>
public sealed class EnvironmentSlots(IDocumentStore store, PointInTime history)
{
    /// <summary>Every slot of <paramref name="modelId"/> (one per environment it was ever deployed to) at <paramref name="point"/>,
    /// by environment.</summary>
    public async Task<IReadOnlyList<SlotView>> OfModelAsync(string modelId, LedgerPoint point, CancellationToken ct) =>
        (await OfModelsAsync([modelId], point, ct)).GetValueOrDefault(modelId) ?? [];

    /// <summary>
    /// The slots of each of <paramref name="modelIds"/> at <paramref name="point"/>, by model then environment: the slots named
    /// by one query of their projection, each folded from its events up to the point (which numbers the intervals with
    /// ledger positions), and the occupying versions (now: one load; as of a past point: folded too).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<SlotView>>> OfModelsAsync(
        IReadOnlyList<string> modelIds,
        LedgerPoint point,
        CancellationToken ct
    )
    {
        await using var session = store.QuerySession();
        var current = await session.Query<EnvironmentSlot>().Where(s => modelIds.Contains(s.ModelId)).ToListAsync(ct);
        var slots = await FoldSlotsAsync(current.Select(s => s.Id).ToArray(), point, ct);
        var keys = slots
            .SelectMany(s =>
                new[] { s.Live, s.Canary, s.Shadow }.OfType<SlotInterval>().Select(i => ModelVersion.StreamKey(s.ModelId, i.Version))
            )
            .Distinct()
            .ToArray();
        var versions =
            keys.Length == 0 ? []
            : point.Current ? await session.LoadManyAsync<ModelVersion>(ct, keys)
            : await FoldAsync(keys, point, (ModelVersion? state, IEvent e) => ModelVersion.Evolve(state, e.Data), ct);
        return slots
            .GroupBy(s => s.ModelId)
            .ToDictionary(
                g => g.Key,
                g =>
                {
                    var ofModel = versions.Where(v => v.ModelId == g.Key).ToDictionary(v => v.Version);
                    return (IReadOnlyList<SlotView>)
                        g.OrderBy(s => s.Environment, StringComparer.Ordinal).Select(s => SlotView.Of(s, ofModel, point)).ToArray();
                }
            );
    }

    /// <summary>
    /// The slots <paramref name="keys"/> folded from their events up to <paramref name="point"/>. Folded rather than loaded
    /// because the store numbers events when it inserts them (Marten's quick append), after the inline projection ran: the
    /// projected document decides commands; positions come from the events.
    /// </summary>
    private Task<IReadOnlyList<EnvironmentSlot>> FoldSlotsAsync(IReadOnlyList<string> keys, LedgerPoint point, CancellationToken ct) =>
        keys.Count == 0
            ? Task.FromResult<IReadOnlyList<EnvironmentSlot>>([])
            : FoldAsync(keys, point, (EnvironmentSlot? state, IEvent e) => EnvironmentSlot.Evolve(state, e.Data, e.Sequence), ct);

    /// <summary>Each of the streams <paramref name="keys"/> folded up to <paramref name="point"/> (streams begun later left out).</summary>
    private async Task<IReadOnlyList<T>> FoldAsync<T>(
        IReadOnlyList<string> keys,
        LedgerPoint point,
        Func<T?, IEvent, T?> evolve,
        CancellationToken ct
    )
        where T : class =>
        (await history.EventsAsync(keys, point.Position, ct))
            .GroupBy(e => e.StreamKey)
            .Select(g => PointInTime.Fold(g, evolve))
            .OfType<T>()
            .ToArray();

    /// <summary>
    /// Which version of each model filled which slot of <paramref name="environment"/>, from and to (ledger positions and
    /// times), as known at <paramref name="point"/>: the environment's slots (one query of their projection) folded from their
    /// events up to the point (one query), so intervals that ended later are shown open.
    /// </summary>
    public async Task<EnvironmentHistory> HistoryAsync(string environment, LedgerPoint point, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var keys = await session.Query<EnvironmentSlot>().Where(s => s.Environment == environment).Select(s => s.Id).ToListAsync(ct);
        var slots = await FoldSlotsAsync(keys, point, ct);
        var intervals = slots
            .SelectMany(s =>
                s.History.Where(i => i.FromPosition <= point.Position)
                    .Select(i => new EnvironmentHistoryEntry(s.ModelId, i.ToPosition > point.Position ? Reopened(i) : i))
            )
            .OrderBy(e => e.Interval.FromPosition)
            .ToArray();
        return new EnvironmentHistory(
            environment,
            intervals
                .Where(e => e.Interval.IsOpen && e.Interval.Slot == SlotKind.Live)
                .OrderBy(e => e.ModelId, StringComparer.Ordinal)
                .ToArray(),
            intervals,
            point.Position,
            point.At
        );
    }

    /// <summary>An interval as it stood before it ended.</summary>
    private static SlotInterval Reopened(SlotInterval i) =>
        i with
        {
            To = null,
            ToPosition = null,
            EndedBy = null,
            EndedByDeploymentId = null,
        };
}
