using Governance.Ledger.Sequencing;
using Governance.Ledger.Telemetry;
using Marten;
using Marten.Services;
using Npgsql;

namespace Governance.Ledger.Writing;

/// <summary>
/// Group commit for the ledger's single write path: concurrent commands' commits (each command's session with its events,
/// inline projections, idempotent answer and outbox rows) are written in one PostgreSQL transaction, so a burst of commands
/// on different streams shares one <c>BEGIN</c>, one shared append lock (<see cref="SafePosition"/>) and one <c>COMMIT</c>
/// (one WAL flush) instead of each paying for its own.
/// <para>
/// Isolation inside a batch: each command runs its own Marten <c>SaveChanges</c> under its own <c>SAVEPOINT</c>. A command
/// whose optimistic-concurrency assertion fails (or that fails for any other reason) is rolled back to its savepoint and
/// answered with its own exception; the others in the batch still commit. Refusals never get here: a feature's decision
/// throws before it commits. Each command's same-transaction rows are staged in its own session, so they are written (or
/// rolled back) with its own events.
/// </para>
/// <para>
/// Latency: there is no timer. The first commit to arrive while no flush is running is flushed at once, alone, on its own
/// session exactly as a single writer always was; commits arriving while flushes are running wait for the next free flush
/// and go together. So a lone writer never waits, and batches grow only with the concurrency that is actually there
/// (Helland's and DeWitt's group commit; PostgreSQL's own <c>commit_delay</c> is the timer-based variant this avoids).
/// </para>
/// <para>
/// Marten cannot move a session onto another transaction, so a batched command's pending work (its stream actions, which
/// carry the expected versions, and its queued document operations) is handed to a session opened on the batch's
/// transaction (<see cref="SessionOptions.ForTransaction"/>) with the command's correlation id; the events, their ids and
/// the rows are the same objects the command staged.
/// </para>
/// </summary>
public sealed class GroupCommit(IDocumentStore store)
{
    /// <summary>How many flushes may run at once (each on its own connection): two, so that one batch is being written while
    /// the next one gathers, and PostgreSQL's work on the next batch overlaps the client's on the last one.</summary>
    public const int ConcurrentFlushes = 2;

    /// <summary>The most commands one transaction takes; more wait for the next flush.</summary>
    public const int MaxBatch = 64;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = [];
    private int _flushing;

    /// <summary>Commits queued and not yet taken by a flush (they wait for a flush to finish).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
                return _queue.Count;
        }
    }

    /// <summary>
    /// Writes <paramref name="session"/>'s pending changes (its transaction takes the shared append lock first), alone or in a
    /// batch with other commands' concurrent commits; returns once they are committed.
    /// </summary>
    /// <exception cref="Exception">Whatever writing this command's own changes threw (Marten's concurrency exceptions among
    /// them); nothing of this command is then stored. A failure of the batch's commit itself is every batched command's.</exception>
    public async Task CommitAsync(IDocumentSession session, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var pending = new Pending(session);
        lock (_gate)
        {
            _queue.Enqueue(pending);
            if (_flushing < ConcurrentFlushes)
            {
                _flushing++;
                _ = Task.Run(FlushWhileQueuedAsync, CancellationToken.None);
            }
        }
        // Not cancellable once queued: a flush carries other commands' work, and a caller that stopped waiting could not
        // tell whether its own commit went through.
        await pending.Done.Task;
    }

    private async Task FlushWhileQueuedAsync()
    {
        while (true)
        {
            Pending[] batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing--;
                    return;
                }
                batch = new Pending[Math.Min(_queue.Count, MaxBatch)];
                for (var i = 0; i < batch.Length; i++)
                    batch[i] = _queue.Dequeue();
            }
            LedgerTelemetry.CommitBatch(batch.Length);
            try
            {
                if (batch.Length == 1)
                    await WriteAloneAsync(batch[0].Session);
                else
                    await WriteBatchAsync(batch);
                foreach (var pending in batch)
                    pending.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                    pending.Done.TrySetException(pending.Failure ?? e);
            }
        }
    }

    /// <summary>A batch of one: the command's own session, in its own transaction, as before group commit.</summary>
    private static async Task WriteAloneAsync(IDocumentSession session)
    {
        await SafePosition.HoldForAppendAsync(session, CancellationToken.None);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>
    /// A batch: first all commands in one Marten unit of work (one round trip for every command's events, inline projections
    /// and rows); if that fails (someone's conflict fails the whole statement batch), each command again under its own
    /// savepoint, so that only the failing ones fail.
    /// </summary>
    private async Task WriteBatchAsync(Pending[] batch)
    {
        var streams = batch.SelectMany(p => p.Session.PendingChanges.Streams()).ToArray();
        // Two commands on one stream cannot both commit at the version they read: straight to one savepoint each.
        if (streams.DistinctBy(s => s.Key).Count() == streams.Length)
        {
            // Marten sets a stream's expected version while preparing it: the commands' own are put back for a second try.
            var expected = streams.Select(s => s.ExpectedVersionOnServer).ToArray();
            try
            {
                await WriteTogetherAsync(batch);
                return;
            }
            catch (Exception)
            {
                for (var i = 0; i < streams.Length; i++)
                    streams[i].ExpectedVersionOnServer = expected[i];
            }
        }
        await WriteEachAsync(batch);
    }

    private async Task WriteTogetherAsync(Pending[] batch)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, SafePosition.HoldForAppendSql);
        await using var write = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        foreach (var pending in batch)
        {
            // The one session has no correlation id of its own: each event carries its command's (Marten keeps one set).
            foreach (var stream in pending.Session.PendingChanges.Streams())
            foreach (var e in stream.Events)
                e.CorrelationId ??= pending.Session.CorrelationId;
            MoveInto(write, pending.Session);
        }
        await write.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync();
    }

    private async Task WriteEachAsync(Pending[] batch)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, SafePosition.HoldForAppendSql);
        var savepoint = "";
        foreach (var pending in batch)
        {
            // Releasing the last command's savepoint and taking this one's go in one round trip.
            await ExecuteAsync(connection, $"{savepoint}savepoint command");
            try
            {
                await using var write = store.LightweightSession(SessionOptions.ForTransaction(transaction));
                write.CorrelationId = pending.Session.CorrelationId;
                MoveInto(write, pending.Session);
                await write.SaveChangesAsync(CancellationToken.None);
                savepoint = "release savepoint command; ";
            }
            catch (Exception e)
            {
                pending.Failure = e;
                await ExecuteAsync(connection, "rollback to savepoint command; release savepoint command");
                savepoint = "";
            }
        }
        await transaction.CommitAsync();
        foreach (var pending in batch)
            if (pending.Failure is { } failure)
                pending.Done.TrySetException(failure);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Hands a command's pending work to a session on the batch's transaction: its stream actions as they are
    /// (<c>Streams()</c> is the unit of work's own list) and its queued operations.</summary>
    private static void MoveInto(IDocumentSession write, IDocumentSession command)
    {
        var streams = write.PendingChanges.Streams();
        foreach (var stream in command.PendingChanges.Streams())
            streams.Add(stream);
        foreach (var operation in command.PendingChanges.Operations())
            write.QueueOperation(operation);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Pending(IDocumentSession session)
    {
        public IDocumentSession Session { get; } = session;

        /// <summary>This command's own failure inside a batch that otherwise committed.</summary>
        public Exception? Failure { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
