using Governance.Ledger.Sequencing;
using Governance.Ledger.Telemetry;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;

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
/// that are waiting (up to <see cref="LedgerOptions.GroupCommitSize"/>) whose streams are disjoint. Under the append lock
/// it first checks the group's expected stream versions, so a command that lost its race gets its conflict before anything
/// is written and the others commit together; a shared transaction PostgreSQL still refuses (a document conflict, a
/// deadlock) is written again command by command, in each command's own session, so one command's conflict is its own
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
            try
            {
                await WriteAsync(group);
            }
            catch (Exception e)
            {
                // Never expected (each write answers its commands); should it happen, no command waits for ever and the
                // committer keeps draining.
                foreach (var decided in group)
                    decided.Written.TrySetException(e);
            }
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
                return;
            }
            catch (Exception e) when (RolledBack(e))
            {
                // PostgreSQL refused the shared transaction (a document conflict, a deadlock): nothing of it was written, and
                // each command not yet answered is written alone below, so that each gets its own answer.
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
        foreach (var decided in group.Where(d => !d.Written.Task.IsCompleted))
        {
            try
            {
                // Its own session still holds all it decided: the shared session only borrowed its streams and operations.
                // Numbers a failed shared attempt gave its events are not theirs.
                foreach (var e in decided.Session.PendingChanges.Streams().SelectMany(s => s.Events))
                    e.Sequence = 0;
                await SafePosition.HoldForAppendAsync(decided.Session, CancellationToken.None);
                await decided.Session.SaveChangesAsync(CancellationToken.None);
                decided.Written.TrySetResult();
                LedgerTelemetry.CommitGroup(1, "alone");
            }
            catch (Exception e)
            {
                decided.Written.TrySetException(e);
            }
        }
    }

    /// <summary>True when <paramref name="e"/> proves that the transaction did not commit: a lost race as Marten reports it, or
    /// an error PostgreSQL raised on a statement. Not a lost connection or a server shutting down (classes 08 and 57), which
    /// may come with a <c>COMMIT</c> in flight.</summary>
    private static bool RolledBack(Exception e)
    {
        var cause = e;
        while (
            cause is not null
            && LedgerWriter.Conflict(cause) is null
            && cause is not PostgresException { InvariantSeverity: "ERROR", SqlState: not ['0', '8', ..] and not ['5', '7', ..] }
        )
            cause = cause.InnerException;
        return cause is not null;
    }

    private async Task WriteTogetherAsync(List<Decided> group)
    {
        // A committed command's answer is owed to a caller that may have gone: the write is not cancelled midway.
        var ct = CancellationToken.None;
        await using var shared = _store.LightweightSession();
        await shared.BeginTransactionAsync(ct);
        var writing = new List<Decided>();
        foreach (var (decided, lost) in await RacesLostAsync(shared, group, ct))
            if (lost is null)
                writing.Add(decided);
            else
                decided.Written.TrySetException(lost);
        if (writing.Count == 0)
            return;
        foreach (var decided in writing)
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
        }
        await shared.SaveChangesAsync(ct);
        LedgerTelemetry.CommitGroup(writing.Count, "together");
        foreach (var decided in writing)
            decided.Written.TrySetResult();
    }

    /// <summary>
    /// Each command of <paramref name="group"/> with the conflict it would meet (null: none), read in the shared transaction
    /// under the append lock, which it takes first, in the same round trip (<see cref="SafePosition.HoldForAppend"/>): its
    /// streams' rows locked (in key order, so that two committers never wait on each other in a cycle) and their versions
    /// compared with what it expects, as Marten's append would (a started stream must not exist; an append at an expected
    /// version must find it). A command that lost its race is answered here, before any event is
    /// numbered: had the shared transaction failed on it instead, Marten would have recorded the numbers the others' events
    /// had taken as tombstone events.
    /// </summary>
    private async Task<List<(Decided Decided, Exception? Lost)>> RacesLostAsync(
        IDocumentSession shared,
        List<Decided> group,
        CancellationToken ct
    )
    {
        var expectations = group
            .SelectMany(d =>
                d.Session.PendingChanges.Streams()
                    .Where(s => s.Events.Count > 0 && (s.ActionType == StreamActionType.Start || s.ExpectedVersionOnServer is not null))
                    .Select(s => (Decided: d, Stream: s))
            )
            .ToList();
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        // The append lock first, then the rows, in one round trip.
        await using (var batch = shared.Connection!.CreateBatch())
        {
            batch.BatchCommands.Add(SafePosition.HoldForAppend());
            var read = new NpgsqlBatchCommand(
                $"select id, version from {_store.Options.Events.DatabaseSchemaName}.mt_streams where id = any($1) order by id for update"
            );
            read.Parameters.Add(new NpgsqlParameter { Value = expectations.Select(x => x.Stream.Key!).Distinct().ToArray() });
            batch.BatchCommands.Add(read);
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                versions[reader.GetString(0)] = reader.GetInt64(1);
        }
        return
        [
            .. group.Select(d =>
                (
                    d,
                    expectations
                        .Where(x => x.Decided == d)
                        .Select(x => Lost(x.Stream, versions.TryGetValue(x.Stream.Key!, out var v) ? v : null))
                        .FirstOrDefault(lost => lost is not null)
                )
            ),
        ];
    }

    private static Exception? Lost(StreamAction stream, long? stored) =>
        (stream.ActionType == StreamActionType.Start ? stored is null : (stored ?? 0) == stream.ExpectedVersionOnServer)
            ? null
            : new ConcurrencyException(
                $"Stream {stream.Key} was expected at version {stream.ExpectedVersionOnServer ?? 0} but is at {stored ?? 0}",
                stream.AggregateType,
                stream.Key!
            );

    /// <summary>A decided command waiting to be written.</summary>
    private sealed class Decided(IDocumentSession session, string? correlationId)
    {
        public IDocumentSession Session { get; } = session;
        public string? CorrelationId { get; } = correlationId;
        public IReadOnlyList<string> Streams { get; } = [.. session.PendingChanges.Streams().Select(s => s.Key ?? s.Id.ToString())];
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
