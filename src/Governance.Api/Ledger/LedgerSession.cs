using Marten;

namespace Governance.Api.Ledger;

/// <summary>The result of deciding one command against one stream: state before, events appended, state after.</summary>
public sealed record Decided<TState>(TState? Before, IReadOnlyList<object> Events, TState? After, long Version)
    where TState : class;

public static class LedgerSession
{
    /// <summary>
    /// Loads a stream's state for writing, decides the command against it and appends the events (not yet saved).
    /// <paramref name="followUp"/> may add events that follow from the decided ones. Marten checks on save that nobody appended in between; with <paramref name="expectedVersion"/> it also refuses a
    /// stale reader at once. Either way a concurrent writer loses with a ConcurrencyException, never silently.
    /// </summary>
    public static async Task<Decided<TState>> DecideAsync<TState>(
        this IDocumentSession session,
        string streamKey,
        long? expectedVersion,
        Func<TState?, IReadOnlyList<object>> decide,
        Func<TState?, object, TState?> evolve,
        CancellationToken ct,
        Func<Decided<TState>, IReadOnlyList<object>>? followUp = null
    )
        where TState : class
    {
        // A command without an identity (e.g. no modelId) cannot address a stream: its decision refuses it as invalid input.
        if (string.IsNullOrWhiteSpace(streamKey))
        {
            decide(null);
            throw new InvalidOperationException("A command without a stream key was not refused by its decision.");
        }

        var stream = expectedVersion is { } expected
            ? await session.Events.FetchForWriting<TState>(streamKey, expected, ct)
            : await session.Events.FetchForWriting<TState>(streamKey, ct);
        var before = stream.Aggregate;
        var events = decide(before);
        stream.AppendMany(events);
        var decided = new Decided<TState>(before, events, events.Aggregate(before, evolve), (stream.StartingVersion ?? 0) + events.Count);
        if (followUp is null)
            return decided;

        // Facts that follow from the decision itself (e.g. the signed attestation of a granted approval), in the same transaction.
        var more = followUp(decided);
        stream.AppendMany(more);
        return new Decided<TState>(before, [.. events, .. more], more.Aggregate(decided.After, evolve), decided.Version + more.Count);
    }
}
