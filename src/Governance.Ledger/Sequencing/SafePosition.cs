using Marten;
using Npgsql;

namespace Governance.Ledger.Sequencing;

/// <summary>
/// The ledger's safe position: the highest event sequence number below which no transaction still in flight can commit.
/// </summary>
/// <remarks>
/// PostgreSQL hands out sequence numbers when a row is inserted, not when its transaction commits, so a transaction that
/// commits late can leave an event with a lower number behind one already visible. A reader paging on <c>seq_id &gt; after</c>
/// would skip it for ever (the gap problem of Marten issues 1879 and 4964; this product runs no async daemon, so Marten
/// keeps no high-water mark). Every appending transaction of <see cref="Writing.LedgerWriter"/> takes the shared advisory
/// lock <see cref="AppendLockKey"/> before its first insert; the reader takes the same lock exclusively, which waits until
/// every such transaction has committed or rolled back, reads <c>max(seq_id)</c> and lets go. Anything numbered up to that
/// value is committed, and anything that commits later is numbered above it. Readers that page (the audit trail, the
/// security log) stop there; the sealer, point-in-time answers and lag metrics read it too.
/// </remarks>
public sealed class SafePosition(IDocumentStore store, TimeProvider clock, Approvals.DeploymentGates gates)
{
    /// <summary>The advisory lock key (64-bit) held shared by appenders and exclusively by <see cref="ReadAsync"/>: the
    /// first eight bytes of SHA-256("governance.ledger.append").</summary>
    public const long AppendLockKey = unchecked((long)0x9b297abdbdbc4660UL);

    /// <summary>How long a reader waits for in-flight appends before giving up; appends hold the lock for milliseconds.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How old a position the current approval check may state (<see cref="ReadRecentAsync"/>).</summary>
    public static readonly TimeSpan CheckPositionAge = TimeSpan.FromMilliseconds(50);

    private readonly Lock _batching = new();
    private Task _reading = Task.CompletedTask;
    private TaskCompletionSource<long>? _gathering;

    /// <summary>The last position read, the <see cref="TimeProvider.GetTimestamp"/> at which its read began and the versions'
    /// <see cref="Approvals.DeploymentGates.Changes"/> then (an object, so that readers never see half of it).</summary>
    private volatile Recent? _last;

    private sealed record Recent(long Position, long Began, long Changes);

    /// <summary>The highest sequence number such that every event numbered at or below it is committed and visible (0 for an
    /// empty ledger), as read after this call began.</summary>
    /// <remarks>Concurrent callers share reads (every approval check states the position it used, and the exclusive lock
    /// serialises readers): a caller joins the next read to start, never one already running, so what it gets covers every
    /// event committed before it called. At most one read runs at a time; the callers who arrive meanwhile are answered
    /// together by the one after it.</remarks>
    /// <exception cref="PostgresException">SQLSTATE 55P03 when an append stays in flight longer than <see cref="LockTimeout"/>
    /// (the API answers 503 <c>ledger.unavailable</c>).</exception>
    public Task<long> ReadAsync(CancellationToken ct)
    {
        // Under the lock: the batch's read may start, and stop gathering, as soon as the lock is let go.
        lock (_batching)
            return (_gathering ?? StartBatch()).Task.WaitAsync(ct);
    }

    /// <summary>
    /// A safe position whose read began at most <paramref name="maxAge"/> ago and since which no change to a model version
    /// has been heard of (<see cref="Approvals.DeploymentGates.Changes"/>: committed on this node, or notified by another);
    /// else a new read (<see cref="ReadAsync"/>). For the current approval check, which answers from the versions' rows
    /// kept in memory and states the position it answered at: under load one read serves the checks of an interval
    /// instead of one read per batch of checks, and a check waits for no database round trip. A check never states a
    /// position below a change it has heard of, so asking again at the stated position gives the same answer; a change
    /// committed on another node whose notification has not arrived is missing from both, as it was before.
    /// </summary>
    /// <remarks>Once the position is older than half of <paramref name="maxAge"/>, a caller given it also starts a read
    /// in the background (unless one is already running or gathering), so that under a steady stream of checks a fresh
    /// position is usually there before the last one is too old. A check still waits for a read after a change has been heard
    /// of, or when a read takes longer than half of <paramref name="maxAge"/>.</remarks>
    /// <exception cref="PostgresException">As <see cref="ReadAsync"/>, when a new read is needed.</exception>
    public Task<long> ReadRecentAsync(TimeSpan maxAge, CancellationToken ct)
    {
        if (_last is not { } recent || recent.Changes != gates.Changes)
            return ReadAsync(ct);
        var age = clock.GetElapsedTime(recent.Began);
        if (age > maxAge)
            return ReadAsync(ct);
        if (age > maxAge / 2)
            RefreshAhead(recent);
        return Task.FromResult(recent.Position);
    }

    /// <summary>Starts a read in the background unless one is running or gathering, or one has ended since
    /// <paramref name="recent"/> was looked at.</summary>
    private void RefreshAhead(Recent recent)
    {
        lock (_batching)
        {
            if (_gathering is not null || !_reading.IsCompleted || !ReferenceEquals(_last, recent))
                return;
            // No caller waits for this read; a failure shows again to the caller who needs the next read.
            _ = StartBatch()
                .Task.ContinueWith(
                    static t => _ = t.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted,
                    TaskScheduler.Default
                );
        }
    }

    /// <summary>Opens a batch of callers for the next read, which starts once the running one (if any) ends; call under
    /// <see cref="_batching"/>.</summary>
    private TaskCompletionSource<long> StartBatch()
    {
        var batch = _gathering = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = _reading;
        _reading = batch.Task;
        _ = ReadAfterAsync(previous, batch);
        return batch;
    }

    private async Task ReadAfterAsync(Task previous, TaskCompletionSource<long> batch)
    {
        await previous.ContinueWith(_ => { }, TaskScheduler.Default);
        // From here on, new callers gather for the next read: this one may already have missed their commits.
        lock (_batching)
            if (_gathering == batch)
                _gathering = null;
        try
        {
            var (began, changes) = (clock.GetTimestamp(), gates.Changes);
            var position = await ReadOnceAsync();
            // Reads run one at a time, in order, so the last one to finish is the most recent.
            _last = new Recent(position, began, changes);
            batch.SetResult(position);
        }
        catch (Exception e)
        {
            batch.SetException(e);
        }
    }

    private async Task<long> ReadOnceAsync()
    {
        // Shared by every caller of the batch, so no one caller's cancellation stops it; the lock timeout bounds it.
        var ct = CancellationToken.None;
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        // The transaction is rolled back when the session is disposed, which releases the lock.
        await using var wait = session.Connection!.CreateCommand();
        wait.CommandText =
            $"set local lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'; select pg_advisory_xact_lock({AppendLockKey})";
        await wait.ExecuteNonQueryAsync(ct);
        await using var read = session.Connection.CreateCommand();
        read.CommandText = $"select coalesce(max(seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_events";
        return (long)(await read.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Opens the session's transaction and takes the append lock shared, before any event of it is numbered. Every
    /// append takes it (the ledger's writer does; so does the benchmark's group-commit probe).</summary>
    public static async Task HoldForAppendAsync(IDocumentSession session, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await using var batch = session.Connection!.CreateBatch();
        batch.BatchCommands.Add(HoldForAppend());
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The statement that takes the append lock shared, for a transaction to run first, in the same round trip as the
    /// statements that follow it (a group commit's check of its streams' versions).</summary>
    internal static NpgsqlBatchCommand HoldForAppend() => new($"select pg_advisory_xact_lock_shared({AppendLockKey})");
}
