using System.Collections;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Telemetry;
using Marten;
using Weasel.Storage;

namespace Governance.Ledger.Writing;

/// <summary>
/// Group commit (Gawlick and Kinkade's technique, as in PostgreSQL's own WAL): commands decided concurrently on different
/// streams are written in one transaction, under one hold of the append lock and one <c>COMMIT</c>, instead of one each.
/// Every command is still decided alone, in its own session, at the versions it read; what it hands over here is its
/// session's pending writes: its stream appends with their expected versions, its documents and queued statements (its
/// idempotent answer, outbox rows, the approval-lookup rows and <c>NOTIFY</c> of its inline projections).
/// <para>
/// At most <see cref="LedgerOptions.GroupCommitters"/> transactions are in flight per process; a command that finds one
/// free is written at once, alone (so an idle ledger adds no latency); the others wait and the next free committer takes all
/// that are waiting (up to <see cref="LedgerOptions.GroupCommitSize"/>) whose streams are disjoint. A group's transaction
/// fails whole when one of its commands lost a race (a stale expected version, a stream started twice, an idempotency key
/// used twice); then each of its commands is written again alone, in its own session, so one command's conflict is its own
/// answer and never another's.
/// </para>
/// </summary>
public sealed class GroupCommit
{
    private readonly IDocumentStore _store;
    private readonly LedgerOptions _options;
    private readonly Lock _gate = new();
    private readonly List<Decided> _waiting = [];
    private int _committers;

    /// <exception cref="ArgumentOutOfRangeException">Fewer than one committer, or groups of fewer than one command.</exception>
    public GroupCommit(IDocumentStore store, LedgerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GroupCommitters, 1, nameof(options.GroupCommitters));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GroupCommitSize, 1, nameof(options.GroupCommitSize));
        (_store, _options) = (store, options);
    }

    /// <summary>How many decided commands wait for a committer (for tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
                return _waiting.Count;
        }
    }

    /// <summary>Writes the pending changes of <paramref name="decided"/> (a command's session, not yet saved), alone or with
    /// other commands; returns when they are committed.</summary>
    /// <param name="correlationId">The command's correlation id, which its events keep in a shared transaction.</param>
    /// <exception cref="Exception">Whatever writing it alone throws (Marten's concurrency exceptions on a lost race); when a
    /// shared transaction failed with its outcome unknown (a lost connection), that failure, for every command in it.</exception>
    internal Task CommitAsync(IDocumentSession decided, string? correlationId)
    {
        var pending = new Decided(decided, correlationId);
        bool lead;
        lock (_gate)
        {
            _waiting.Add(pending);
            lead = _committers < _options.GroupCommitters;
            if (lead)
                _committers++;
        }
        if (lead)
            _ = Task.Run(DrainAsync);
        return pending.Written.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Decided> group;
            lock (_gate)
            {
                group = TakeGroup();
                if (group.Count == 0)
                {
                    _committers--;
                    return;
                }
            }
            await WriteAsync(group);
        }
    }

    /// <summary>The oldest waiting commands whose streams are disjoint: two commands on one stream in one transaction would
    /// fold that stream's projection from the same stored document twice, the second overwriting the first. The one left
    /// waiting is written after, where it conflicts as it would have alone.</summary>
    private List<Decided> TakeGroup()
    {
        var group = new List<Decided>();
        var streams = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _waiting.Count && group.Count < _options.GroupCommitSize; )
        {
            var next = _waiting[i];
            if (next.Streams.Any(streams.Contains))
            {
                i++;
                continue;
            }
            streams.UnionWith(next.Streams);
            group.Add(next);
            _waiting.RemoveAt(i);
        }
        return group;
    }

    private async Task WriteAsync(List<Decided> group)
    {
        if (group.Count > 1)
        {
            try
            {
                await WriteTogetherAsync(group);
                LedgerTelemetry.CommitGroup(group.Count, "together");
                foreach (var decided in group)
                    decided.Written.TrySetResult();
                return;
            }
            catch (Exception e) when (RolledBack(e))
            {
                // One command's lost race (or another error PostgreSQL raised) rolled the whole transaction back: each is
                // written alone below, so that each gets its own answer.
            }
            catch (Exception e)
            {
                // The outcome is unknown (the connection was lost, perhaps after the commit): writing again could write twice,
                // so each command fails as it would have alone.
                foreach (var decided in group)
                    decided.Written.TrySetException(e);
                return;
            }
        }
        foreach (var decided in group)
        {
            try
            {
                // Its own session still holds all it decided: the shared session only borrowed its streams and operations.
                await SafePosition.HoldForAppendAsync(decided.Session, CancellationToken.None);
                await decided.Session.SaveChangesAsync(CancellationToken.None);
                LedgerTelemetry.CommitGroup(1, "alone");
                decided.Written.TrySetResult();
            }
            catch (Exception e)
            {
                decided.Written.TrySetException(e);
            }
        }
    }

    /// <summary>True when <paramref name="e"/> means that PostgreSQL refused a statement, so the transaction certainly did not
    /// commit: a lost race as Marten reports it, or any server error.</summary>
    private static bool RolledBack(Exception e)
    {
        var cause = e;
        while (cause is not null && LedgerWriter.Conflict(cause) is null && cause is not Npgsql.PostgresException)
            cause = cause.InnerException;
        return cause is not null;
    }

    private async Task WriteTogetherAsync(List<Decided> group)
    {
        // A committed command's answer is owed to a caller that may have gone: the write is not cancelled midway.
        var ct = CancellationToken.None;
        await using var shared = _store.LightweightSession();
        foreach (var decided in group)
        {
            foreach (var stream in decided.Session.PendingChanges.Streams())
            {
                // The shared session has no correlation id of its own; each event keeps its command's.
                foreach (var e in stream.Events)
                    e.CorrelationId ??= decided.CorrelationId;
                shared.PendingChanges.Streams().Add(stream);
            }
            foreach (var operation in decided.Session.PendingChanges.Operations())
                shared.QueueOperation(operation);
            BorrowFetchedAggregates(decided.Session, shared);
        }
        await SafePosition.HoldForAppendAsync(shared, ct);
        await shared.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Gives <paramref name="shared"/> the aggregates <paramref name="decided"/> fetched for writing, so that the inline
    /// projections fold the command's events onto them, as its own session would, instead of reading each again. Marten keeps
    /// them in a session's item map, one <c>Dictionary&lt;TId, TDoc&gt;</c> per aggregate type. Should a Marten release keep
    /// them otherwise, nothing is borrowed and the projections read the documents in the transaction: slower, never wrong,
    /// since each append commits only at the version its aggregate was read at.
    /// </summary>
    private static void BorrowFetchedAggregates(IDocumentSession decided, IDocumentSession shared)
    {
        var into = ((IStorageSession)shared).ItemMap;
        foreach (var (type, fetched) in ((IStorageSession)decided).ItemMap)
        {
            if (fetched is not IDictionary aggregates || !fetched.GetType().IsGenericType)
                continue;
            if (!into.TryGetValue(type, out var held))
                into[type] = held = Activator.CreateInstance(fetched.GetType())!;
            if (held is IDictionary map)
                foreach (DictionaryEntry aggregate in aggregates)
                    map[aggregate.Key] = aggregate.Value;
        }
    }

    /// <summary>A decided command waiting to be written.</summary>
    private sealed class Decided(IDocumentSession session, string? correlationId)
    {
        public IDocumentSession Session { get; } = session;
        public string? CorrelationId { get; } = correlationId;
        public IReadOnlyList<string> Streams { get; } = [.. session.PendingChanges.Streams().Select(s => s.Key ?? s.Id.ToString())];
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
