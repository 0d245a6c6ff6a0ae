using Governance.Ledger.Telemetry;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Sequencing;

/// <summary>Where read-only queries may go besides the primary: a PostgreSQL streaming replica (a hot standby made with
/// <c>pg_basebackup -R</c>).</summary>
/// <param name="ConnectionString">The replica's connection string (same database, same schema; read-only).</param>
/// <param name="LagBound">How long a read waits for the replica to replay what the primary had written when the read began
/// (positive); past it, the primary answers. Default 2 s.</param>
public sealed record ReplicaOptions(string ConnectionString, TimeSpan LagBound)
{
    /// <summary>The default <see cref="LagBound"/>.</summary>
    public static readonly TimeSpan DefaultLagBound = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Query sessions for the ledger's read-only questions (the inventory, the audit trail, answers and evidence packs at a stated
/// position), on the streaming replica when one is configured (<see cref="LedgerOptions.Replica"/>), with read-your-writes:
/// a session opened here sees everything committed on the primary before <see cref="OpenAsync"/> was called.
/// </summary>
/// <remarks>
/// The primary's current WAL position (<c>pg_current_wal_lsn()</c>) is read first: every transaction committed before the call
/// has its commit record at or below it. The replica is used once its replay position (<c>pg_last_wal_replay_lsn()</c>) has
/// reached it, which a standby's new snapshots then include; the read polls for that for at most
/// <see cref="ReplicaOptions.LagBound"/> on the host's clock, then answers from the primary instead. So a replica's lag costs
/// at most the bound in latency and never a stale answer; an unreachable replica costs one failed connection attempt and
/// the primary answers. Commands, the current approval check and everything that writes use the primary only. Each read's
/// source is counted (<c>governance.replica.reads</c>).
/// </remarks>
public sealed class ReplicaReads(IDocumentStore store, LedgerOptions options, TimeProvider clock, ILogger<ReplicaReads> logger)
    : IDisposable
{
    /// <summary>How often a read waiting for the replica asks again.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    // The ledger's store configuration on the replica's connection string, never creating schema (a standby is read-only).
    // A session of the primary's store opened for another connection string still read the primary (Marten 9.58).
    private readonly Lazy<DocumentStore>? _replica = options.Replica is { } replica
        ? new(() => new DocumentStore(LedgerSetup.Configure(new StoreOptions(), replica.ConnectionString, JasperFx.AutoCreate.None)))
        : null;

    /// <summary>A query session that sees every event and document committed before this call: on the replica when it has
    /// caught up within the bound, else on the primary. Dispose it.</summary>
    public async Task<IQuerySession> OpenAsync(CancellationToken ct)
    {
        if (options.Replica is not { } replica)
            return store.QuerySession();
        if (await CaughtUpAsync(replica, ct))
        {
            LedgerTelemetry.ReplicaRead("replica");
            return _replica!.Value.QuerySession();
        }
        return store.QuerySession();
    }

    /// <summary>Whether the replica has replayed the primary's WAL position as read now, waiting at most the bound.</summary>
    private async Task<bool> CaughtUpAsync(ReplicaOptions replica, CancellationToken ct)
    {
        string target;
        await using (var primary = store.Storage.Database.CreateConnection())
        {
            await primary.OpenAsync(ct);
            await using var read = new NpgsqlCommand("select pg_current_wal_lsn()::text", primary);
            target = (string)(await read.ExecuteScalarAsync(ct))!;
        }
        var deadline = clock.GetUtcNow() + replica.LagBound;
        try
        {
            await using var standby = new NpgsqlConnection(replica.ConnectionString);
            await standby.OpenAsync(ct);
            // Null when the server is not in recovery (a primary named as replica by mistake): never used then.
            await using var replayed = new NpgsqlCommand("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", standby)
            {
                Parameters = { new() { Value = target } },
            };
            while (true)
            {
                if ((bool)(await replayed.ExecuteScalarAsync(ct))!)
                    return true;
                if (clock.GetUtcNow() >= deadline)
                {
                    LedgerTelemetry.ReplicaRead("primary_lagging");
                    return false;
                }
                await Task.Delay(PollInterval, clock, ct);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "The read replica could not be asked; the primary answers");
            LedgerTelemetry.ReplicaRead("primary_unreachable");
            return false;
        }
    }

    public void Dispose()
    {
        if (_replica is { IsValueCreated: true })
            _replica.Value.Dispose();
    }
}
