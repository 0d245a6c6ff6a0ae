using System.Collections.Concurrent;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Ledger.Coordination;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Approvals;

/// <summary>
/// The approval check's read of a model version: its compact approval-lookup row (<see cref="DeploymentGate"/>), from the primary
/// with one prepared statement, kept in memory while this node listens on <see cref="Channel"/>.
/// </summary>
/// <remarks>
/// Every change to a version that may alter its row (<see cref="DeploymentGate.MayChange(IModelVersionEvent)"/>) stores the row and queues
/// <c>NOTIFY governance_deployment_gate</c> (payload: the stream key) in the transaction of its events (<see
/// cref="ModelVersions.ModelVersionProjection"/>), so every node hears of a committed revocation, suspension, expiry-changing approval or
/// retirement a few milliseconds after it commits, and the committing node forgets the version at once (<see cref="AfterCommitAsync"/>).
/// The memory is used only while the listener is connected: a node that is not listening may have missed notifications, so it forgets
/// everything and reads the primary on every check until it listens again. The bound on a stale answer is therefore the notification's
/// delivery delay, measured by <c>./gov bench</c> (docs/performance.md). A row read while a change was reported is used once, not kept.
/// Expiry needs no notification: the policy compares the expiry with the time of each check.
/// </remarks>
public sealed class DeploymentGates : DocumentSessionListenerBase
{
    /// <summary>The notification channel (payload: a version's stream key).</summary>
    public const string Channel = "governance_deployment_gate";

    /// <summary>
    /// <c>NOTIFY</c> of a change to <paramref name="streamKey"/>, as a statement that returns no rows (a statement queued in
    /// a Marten batch must not: <c>select pg_notify(...)</c> would be read as the next operation's result). The key is written
    /// as an SQL string literal, quotes doubled; a <c>?</c> (Marten's parameter marker, which no valid stream key holds) is
    /// refused.
    /// </summary>
    /// <exception cref="ArgumentException">The key holds a <c>?</c> or a NUL.</exception>
    public static string NotifySql(string streamKey) =>
        streamKey.Contains('?') || streamKey.Contains('\0')
            ? throw new ArgumentException($"Not a stream key: {streamKey}", nameof(streamKey))
            : $"NOTIFY {Channel}, '{streamKey.Replace("'", "''")}'";

    /// <summary>At most this many versions are kept in memory; past it, everything is forgotten and the memory refills.</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, DeploymentGate?> _kept = new(StringComparer.Ordinal);
    private long _generation;
    private ChannelListener? _listener;

    /// <summary>How many times versions were forgotten (a change committed here, a notification, listening started or
    /// stopped): while it stays the same, no change to any version has been heard of.</summary>
    public long Changes => Interlocked.Read(ref _generation);

    /// <summary>Forgets one version (a notification's payload).</summary>
    public void Forget(string streamKey)
    {
        Interlocked.Increment(ref _generation);
        _kept.TryRemove(streamKey, out _);
    }

    /// <summary>Forgets every version (listening started or stopped).</summary>
    public void ForgetAll()
    {
        Interlocked.Increment(ref _generation);
        _kept.Clear();
    }

    /// <summary>Forgets, on the committing node itself, every version whose row a session's commit may have changed (an
    /// event <see cref="DeploymentGate.MayChange(IModelVersionEvent)"/> names), before its command answers: a check sent
    /// after a revocation's answer never sees the version as it was. A deployment or a load report leaves the node's
    /// memory, and the checks' recent position (<see cref="Changes"/>), as they were.</summary>
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var stream in commit.GetStreams())
            if (stream.Key is { } key && DeploymentGate.MayChange(stream.Events.Select(e => e.Data)))
                Forget(key);
        return Task.CompletedTask;
    }

    /// <summary>Whether the row of <paramref name="streamKey"/> is kept in memory (for tests).</summary>
    internal bool Keeps(string streamKey) => _kept.ContainsKey(streamKey);

    /// <summary>The row of <paramref name="streamKey"/> (null: no such version), from memory while listening, else from the
    /// primary. A version stored before rows were kept (an earlier release) is read whole and its row derived.</summary>
    public async Task<DeploymentGate?> ReadAsync(IDocumentStore store, string streamKey, CancellationToken ct)
    {
        var listening = _listener?.IsListening == true;
        if (listening && _kept.TryGetValue(streamKey, out var kept))
            return kept;
        var generation = Interlocked.Read(ref _generation);
        var gate = await LoadAsync(store, streamKey, ct);
        if (listening && Interlocked.Read(ref _generation) == generation)
        {
            if (_kept.Count >= Capacity)
                ForgetAll();
            _kept.TryAdd(streamKey, gate);
        }
        return gate;
    }

    private static async Task<DeploymentGate?> LoadAsync(IDocumentStore store, string streamKey, CancellationToken ct)
    {
        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_deploymentgate";
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var read = new NpgsqlCommand($"select data from {table} where id = $1", connection)
        {
            Parameters = { new() { Value = streamKey } },
        };
        // Prepared once per physical connection; Npgsql keeps it across the pool's reuse of the connection.
        await read.PrepareAsync(ct);
        await using (var reader = await read.ExecuteReaderAsync(ct))
            if (await reader.ReadAsync(ct))
                return store.Options.Serializer().FromJson<DeploymentGate>(await reader.GetStreamAsync(0, ct));
        await using var session = store.QuerySession();
        return await session.LoadAsync<ModelVersion>(streamKey, ct) is { } version ? DeploymentGate.Of(version) : null;
    }

    /// <summary>
    /// Stores the row of every version that has none: versions stored by a release before rows were kept, whose checks are
    /// otherwise answered by reading the whole version on every miss. Each row is derived from the version's stored document
    /// and inserted only where still absent (<c>on conflict do nothing</c>), so a row a command stores meanwhile, in its
    /// events' transaction, is never overwritten by an older derivation. Run by <c>Governance.Api migrate</c> and at each
    /// start (<see cref="DeploymentGateBackfill"/>); idempotent, in pages of 500 versions.
    /// </summary>
    /// <returns>How many rows were stored.</returns>
    public static async Task<int> BackfillAsync(IDocumentStore store, CancellationToken ct)
    {
        const int page = 500;
        var schema = store.Options.DatabaseSchemaName;
        var serializer = store.Options.Serializer();
        var stored = 0;
        var after = "";
        while (true)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            var missing = new List<string>(page);
            await using (
                var find = new NpgsqlCommand(
                    $"select v.id from {schema}.mt_doc_modelversion v where v.id > $1 and not exists "
                        + $"(select 1 from {schema}.mt_doc_deploymentgate g where g.id = v.id) order by v.id limit {page}",
                    connection
                )
                {
                    Parameters = { new() { Value = after } },
                }
            )
            await using (var reader = await find.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    missing.Add(reader.GetString(0));
            if (missing.Count == 0)
                return stored;
            after = missing[^1];
            await using var session = store.QuerySession();
            await using var batch = new NpgsqlBatch(connection);
            foreach (var version in await session.LoadManyAsync<ModelVersion>(ct, missing))
                batch.BatchCommands.Add(
                    new NpgsqlBatchCommand(
                        $"insert into {schema}.mt_doc_deploymentgate (id, data, mt_dotnet_type) values ($1, $2::jsonb, $3) "
                            + "on conflict (id) do nothing"
                    )
                    {
                        Parameters =
                        {
                            new() { Value = version.Id },
                            new() { Value = serializer.ToJson(DeploymentGate.Of(version)) },
                            new() { Value = typeof(DeploymentGate).FullName! },
                        },
                    }
                );
            if (batch.BatchCommands.Count > 0)
                stored += await batch.ExecuteNonQueryAsync(ct);
            if (missing.Count < page)
                return stored;
        }
    }

    /// <summary>The listener that keeps the memory current (one per process; started by the host).</summary>
    internal ChannelListener Listen(string connectionString, ILogger logger) =>
        _listener = new ChannelListener(connectionString, Channel, Forget, ForgetAll, logger);
}

/// <summary>Runs <see cref="DeploymentGates"/>' listener for as long as the host runs.</summary>
public sealed class DeploymentGateListener(DeploymentGates gates, LedgerOptions options, ILogger<DeploymentGateListener> logger)
    : BackgroundService
{
    private readonly ChannelListener _listener = gates.Listen(options.ConnectionString, logger);

    /// <summary>Completes once the node listens (tests wait for it).</summary>
    public Task Listening => _listener.Listening;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _listener.RunAsync(stoppingToken);
}

/// <summary>Stores, once at each start, the rows of versions stored before rows were kept
/// (<see cref="DeploymentGates.BackfillAsync"/>). Until it is done those versions' checks derive their row from the whole
/// version, so a failure is logged and the node serves on.</summary>
public sealed class DeploymentGateBackfill(IDocumentStore store, ILogger<DeploymentGateBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var stored = await DeploymentGates.BackfillAsync(store, stoppingToken);
            if (stored > 0)
                logger.LogInformation("Stored the approval-lookup rows of {Count} version(s) recorded by an earlier release", stored);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Storing the approval-lookup rows of earlier versions failed; their checks read the whole version");
        }
    }
}
