using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Coordination;

/// <summary>
/// Leader election among every process of the product by a PostgreSQL session advisory lock: the one mechanism for
/// single-instance background work (the transparency log's sealer; webhooks and monitoring jobs are meant to reuse it). The
/// lock is held on a dedicated connection that is never pooled (<c>Pooling=false</c>), so leadership ends when that connection
/// drops: the process dies, the server terminates the backend, or the network fails (TCP keepalive, every
/// <see cref="KeepaliveSeconds"/> seconds). Followers poll <c>pg_try_advisory_lock</c>; the leader watches its connection with
/// <c>WaitAsync</c> and cancels its work as soon as the connection errors. A leader that hangs or is partitioned keeps the lock
/// until the server notices, so work that writes must also check, in its own transaction, that the lock is still held
/// (<see cref="Leadership.EnsureHeldAsync(NpgsqlConnection, NpgsqlTransaction, CancellationToken)"/>).
/// </summary>
/// <param name="connectionString">The database (pooling is turned off for the lock's connection whatever it says).</param>
/// <param name="lockKey">The 64-bit advisory lock key, one per kind of work.</param>
/// <param name="pollInterval">How often a follower tries to take the lock (positive).</param>
public sealed class LeaderElection(string connectionString, long lockKey, TimeSpan pollInterval, TimeProvider clock, ILogger logger)
{
    /// <summary>The TCP keepalive interval of the lock's connection, in seconds: how soon a silent network failure is noticed.</summary>
    public const int KeepaliveSeconds = 5;

    /// <summary>
    /// Runs <paramref name="lead"/> each time this process becomes the leader, until <paramref name="ct"/> is cancelled. The
    /// token given to <paramref name="lead"/> is cancelled when leadership is lost (or <paramref name="ct"/> is); whatever
    /// <paramref name="lead"/> throws, except that cancellation, is logged and the process stands for leadership again after
    /// <c>pollInterval</c>.
    /// </summary>
    public async Task RunAsync(Func<Leadership, CancellationToken, Task> lead, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            KeepAlive = KeepaliveSeconds,
            ApplicationName = $"governance-leader-{lockKey:x16}",
        };
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                while (!await TryLockAsync(connection, ct))
                    await Task.Delay(pollInterval, clock, ct);
                logger.LogInformation("Became the leader for lock {LockKey:x16} (backend {Pid})", lockKey, connection.ProcessID);
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var watch = WatchAsync(connection, lost, ct);
                try
                {
                    await lead(new Leadership(lockKey, connection.ProcessID), lost.Token);
                }
                catch (OperationCanceledException) when (lost.IsCancellationRequested) { }
                finally
                {
                    await lost.CancelAsync();
                    await watch;
                }
                logger.LogWarning("Leadership for lock {LockKey:x16} ended", lockKey);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The work led under lock {LockKey:x16} failed; standing for leadership again", lockKey);
            }
            try
            {
                await Task.Delay(pollInterval, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", lockKey);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Waits on the lock's connection (it receives nothing but errors) and cancels <paramref name="lost"/> when it
    /// breaks: server-side termination (57P01) is seen within milliseconds.</summary>
    private async Task WatchAsync(NpgsqlConnection connection, CancellationTokenSource lost, CancellationToken ct)
    {
        try
        {
            while (!lost.IsCancellationRequested)
                await connection.WaitAsync(lost.Token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested) { }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            if (!ct.IsCancellationRequested)
                logger.LogWarning(e, "Lost the connection holding lock {LockKey:x16}", lockKey);
        }
        await lost.CancelAsync();
    }
}

/// <summary>This process's leadership: the lock and the backend holding it.</summary>
/// <param name="LockKey">The advisory lock key.</param>
/// <param name="BackendPid">The PostgreSQL backend process id of the connection holding the lock (what
/// <c>pg_terminate_backend</c> ends).</param>
public sealed record Leadership(long LockKey, int BackendPid)
{
    /// <summary>
    /// The fence: checks, inside the caller's transaction on another connection, that the lock is still held by this
    /// leadership's backend, so that a leader that lost it without noticing cannot commit.
    /// </summary>
    /// <exception cref="LeadershipLostException">The backend no longer holds the lock.</exception>
    public async Task EnsureHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select exists ({HeldQuery})", connection, transaction);
        if (!(bool)(await command.ExecuteScalarAsync(ct))!)
            throw new LeadershipLostException(LockKey, BackendPid);
    }

    /// <summary>The same fence inside a Marten session's transaction (begun with <c>BeginTransactionAsync</c>), for work that
    /// writes documents.</summary>
    /// <exception cref="LeadershipLostException">The backend no longer holds the lock.</exception>
    public async Task EnsureHeldAsync(Marten.IDocumentSession session, CancellationToken ct)
    {
        if (!(await session.QueryAsync<bool>($"select exists ({HeldQuery})", ct)).Single())
            throw new LeadershipLostException(LockKey, BackendPid);
    }

    // pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), with objsubid 1. The values are
    // integers of this record, written into the text so that both overloads share one query.
    private string HeldQuery =>
        $"select 1 from pg_locks where locktype = 'advisory' and granted and pid = {BackendPid} "
        + $"and classid::bigint = {(LockKey >> 32) & 0xffffffffL} and objid::bigint = {LockKey & 0xffffffffL} and objsubid = 1";
}

/// <summary>A leader found, inside a transaction, that its backend no longer holds the lock: the transaction must not commit.</summary>
public sealed class LeadershipLostException(long lockKey, int backendPid)
    : Exception($"backend {backendPid} no longer holds advisory lock {lockKey:x16}");
