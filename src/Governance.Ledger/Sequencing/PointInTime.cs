using Governance.Attestations.Transparency;
using Governance.Domain.Shared;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.Sequencing;

/// <summary>
/// The moment an answer is given as of: a ledger position (every event numbered at or below it, and no other) and the time
/// the time-based rules (expiry) are judged at. Every point-in-time answer states both.
/// </summary>
/// <param name="Position">The ledger position (global event sequence number) the answer is computed at.</param>
/// <param name="At">The time rules were applied at: the <c>asOf</c> asked for, or the time the event at
/// <paramref name="Position"/> was recorded (database time), or now for a current answer.</param>
/// <param name="Current">True for an answer about now (no <c>asOf</c> or <c>asOfPosition</c> given).</param>
public sealed record LedgerPoint(long Position, DateTimeOffset At, bool Current);

/// <summary>
/// Resolves <c>?asOf=</c> and <c>?asOfPosition=</c> to a <see cref="LedgerPoint"/>, and folds streams up to it. A timestamp
/// resolves to the highest safe position (<see cref="SafePosition"/>) whose events were all recorded at or before it (database
/// time, <c>mt_events.timestamp</c>): an event recorded later, even with a lower number, is never part of the answer. Marten's
/// tombstones (<see cref="LedgerEntry.TombstoneStream"/>), which land late under low numbers and record nothing, are no part of
/// any answer. The
/// positions are read on the primary and the events on the read replica when one is configured (<see cref="ReplicaReads"/>:
/// it has then replayed every event at or below any position resolved before).
/// </summary>
public sealed class PointInTime(ReplicaReads replicas, SafePosition safe, TimeProvider clock)
{
    /// <summary>The point an answer is given at: now (the safe position) when neither is given.</summary>
    /// <param name="currentAge">For an answer about now only: how old the safe position stated may be (see
    /// <see cref="SafePosition.ReadRecentAsync"/>); null reads it afresh.</param>
    /// <exception cref="GovernanceRuleException">Invalid input: <c>asOfPosition</c> negative or beyond the safe position.</exception>
    public async Task<LedgerPoint> ResolveAsync(DateTimeOffset? asOf, long? asOfPosition, CancellationToken ct, TimeSpan? currentAge = null)
    {
        var highest =
            asOf is null && asOfPosition is null && currentAge is { } age ? await safe.ReadRecentAsync(age, ct) : await safe.ReadAsync(ct);
        if (asOfPosition is { } position)
        {
            if (position < 0 || position > highest)
                throw GovernanceRuleException.InvalidField(
                    "asOfPosition",
                    $"must be a ledger position from 0 to {highest} (the highest position every event of which is committed)"
                );
            return new LedgerPoint(position, asOf ?? await RecordedAtAsync(position, ct), false);
        }
        if (asOf is not { } at)
            return new LedgerPoint(highest, clock.GetUtcNow(), true);
        await using var session = await replicas.OpenAsync(ct);
        var firstLater = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.Timestamp > at && e.Sequence <= highest && e.StreamKey != LedgerEntry.TombstoneStream)
            .OrderBy(e => e.Sequence)
            .Select(e => e.Sequence)
            .FirstOrDefaultAsync(ct);
        return new LedgerPoint(firstLater == 0 ? highest : firstLater - 1, at, false);
    }

    /// <summary>When the event at <paramref name="position"/> (or the last one before it) was recorded; the epoch for 0.</summary>
    private async Task<DateTimeOffset> RecordedAtAsync(long position, CancellationToken ct)
    {
        await using var session = await replicas.OpenAsync(ct);
        var last = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.Sequence <= position && e.StreamKey != LedgerEntry.TombstoneStream)
            .OrderByDescending(e => e.Sequence)
            .FirstOrDefaultAsync(ct);
        return last?.Timestamp ?? DateTimeOffset.UnixEpoch;
    }

    /// <summary>The events of the streams <paramref name="streamKeys"/> recorded at or below <paramref name="position"/>, in
    /// ledger order.</summary>
    public async Task<IReadOnlyList<IEvent>> EventsAsync(IReadOnlyList<string> streamKeys, long position, CancellationToken ct)
    {
        await using var session = await replicas.OpenAsync(ct);
        return await session
            .Events.QueryAllRawEvents()
            .Where(e => streamKeys.Contains(e.StreamKey!) && e.Sequence <= position)
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
    }

    /// <summary>The stream keys that start with <paramref name="prefix"/> (a model's versions: <c>model@</c>), created at or
    /// below <paramref name="position"/>.</summary>
    public async Task<IReadOnlyList<string>> StreamsStartingWithAsync(string prefix, long position, CancellationToken ct)
    {
        await using var session = await replicas.OpenAsync(ct);
        var keys = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.StartsWith(prefix) && e.Sequence <= position && e.Version == 1)
            .Select(e => e.StreamKey!)
            .ToListAsync(ct);
        return keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Distinct().ToArray();
    }

    /// <summary>Every event at or below <paramref name="position"/>, in ledger order (for the whole inventory as of a point).</summary>
    public async Task<IReadOnlyList<IEvent>> AllEventsAsync(long position, CancellationToken ct)
    {
        await using var session = await replicas.OpenAsync(ct);
        return await session
            .Events.QueryAllRawEvents()
            .Where(e => e.Sequence <= position && e.StreamKey != LedgerEntry.TombstoneStream)
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
    }

    /// <summary>Folds <paramref name="events"/> with <paramref name="evolve"/>.</summary>
    public static T? Fold<T>(IEnumerable<IEvent> events, Func<T?, IEvent, T?> evolve)
        where T : class => events.Aggregate((T?)null, evolve);
}
