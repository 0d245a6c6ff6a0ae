using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using Governance.Ledger;
using Governance.Ledger.Models;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>A primary of the test's own and its streaming replica (<c>pg_basebackup -R</c>, as docs/operations.md makes one),
/// with the ledger library configured to read from the replica.</summary>
public sealed class ReplicaCluster : IAsyncLifetime
{
    private readonly string _keys = Directory.CreateTempSubdirectory("governance-replica-keys-").FullName;
    private OwnPostgres? _primary;
    private OwnPostgres? _replica;

    public ServiceProvider Ledger { get; private set; } = null!;

    public string ReplicaConnectionString { get; private set; } = "";

    public int ReplicaPort => _replica!.Port;

    public async Task InitializeAsync()
    {
        _primary = new OwnPostgres();
        await using (var admin = new NpgsqlConnection(_primary.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE governance", admin);
            await create.ExecuteNonQueryAsync();
        }
        var primary = new NpgsqlConnectionStringBuilder(_primary.ConnectionString) { Database = "governance" }.ConnectionString;
        // The schema first, so that the replica is made with it (a hot standby cannot create tables).
        await using (var schema = Build(primary, null))
            await schema.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        _replica = _primary.StartReplica();
        ReplicaConnectionString = new NpgsqlConnectionStringBuilder(_replica.ConnectionString) { Database = "governance" }.ConnectionString;
        Ledger = Build(primary, new ReplicaOptions(ReplicaConnectionString, TimeSpan.FromSeconds(30)));
    }

    private ServiceProvider Build(string primary, ReplicaOptions? replica) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddGovernanceLedger(new LedgerOptions(primary, _keys) { Replica = replica })
            .BuildServiceProvider();

    /// <summary>Runs <paramref name="sql"/> on the replica (pausing or resuming its replay, reading it) and returns the first
    /// value.</summary>
    public async Task<object?> OnReplicaAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ReplicaConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task DisposeAsync()
    {
        await Ledger.DisposeAsync();
        _replica?.Dispose();
        _primary?.Dispose();
        Directory.Delete(_keys, recursive: true);
    }
}

/// <summary>
/// Read-only questions go to the streaming replica with read-your-writes: a read sees every write committed on the primary
/// before it; while the replica lags past the bound, or cannot be reached, the primary answers, never the replica's older
/// state.
/// </summary>
public sealed class ReplicaReadsTests(ReplicaCluster cluster) : IClassFixture<ReplicaCluster>
{
    private static readonly CommandCall Owner = new(Caller.FromToken("replica-owner", null, [Roles.ModelOwner]), "replica-test");

    private Task<Written<Model>> Register(string id) =>
        cluster
            .Ledger.GetRequiredService<ModelInventory>()
            .RegisterAsync(new RegisterModel(id, id, "Replica reads", RiskTier.Low, null, ["EU"], null), Owner, CancellationToken.None);

    private async Task<IReadOnlyList<string>> Inventory() =>
        (await cluster.Ledger.GetRequiredService<ModelInventory>().InventoryAsync(new InventoryFilter(), CancellationToken.None))
            .Select(e => e.Id)
            .ToArray();

    /// <summary>The port of the server a session from <paramref name="replicas"/> queries.</summary>
    private static async Task<int> ServerOf(ReplicaReads replicas)
    {
        await using var session = await replicas.OpenAsync(CancellationToken.None);
        return (await session.QueryAsync<int>("select inet_server_port()"))[0];
    }

    private ReplicaReads WithBound(TimeSpan bound, string? connection = null)
    {
        var options = cluster.Ledger.GetRequiredService<LedgerOptions>();
        return new ReplicaReads(
            cluster.Ledger.GetRequiredService<IDocumentStore>(),
            options with
            {
                Replica = new ReplicaOptions(connection ?? cluster.ReplicaConnectionString, bound),
            },
            TimeProvider.System,
            NullLogger<ReplicaReads>.Instance
        );
    }

    [Fact]
    public async Task The_inventory_read_on_the_replica_holds_a_model_registered_on_the_primary_just_before()
    {
        var replicas = cluster.Ledger.GetRequiredService<ReplicaReads>();
        for (var i = 0; i < 5; i++)
        {
            await Register($"replica-written-{i}");
            Assert.Contains($"replica-written-{i}", await Inventory());
            Assert.Equal(cluster.ReplicaPort, await ServerOf(replicas));
        }
    }

    [Fact]
    public async Task While_the_replica_lags_past_the_bound_the_primary_answers_and_the_replica_serves_again_once_caught_up()
    {
        await cluster.OnReplicaAsync("select pg_wal_replay_pause()");
        try
        {
            await Register("replica-paused");
            // The replica has not replayed the registration: with a bound of one tick the read gives up on it at once.
            var impatient = WithBound(TimeSpan.FromTicks(1));
            Assert.NotEqual(cluster.ReplicaPort, await ServerOf(impatient));
            // ...which has not replayed it: the primary's answer was not the replica's.
            Assert.Equal(0L, await cluster.OnReplicaAsync("select count(*) from governance.mt_doc_model where id = 'replica-paused'"));
        }
        finally
        {
            await cluster.OnReplicaAsync("select pg_wal_replay_resume()");
        }
        Assert.Contains("replica-paused", await Inventory());
        Assert.Equal(cluster.ReplicaPort, await ServerOf(cluster.Ledger.GetRequiredService<ReplicaReads>()));
    }

    [Fact]
    public async Task An_unreachable_replica_leaves_the_reads_to_the_primary()
    {
        var gone = new NpgsqlConnectionStringBuilder(cluster.ReplicaConnectionString) { Port = OwnPostgres.FreePort(), Timeout = 2 };
        var replicas = WithBound(TimeSpan.FromSeconds(30), gone.ConnectionString);
        Assert.NotEqual(gone.Port, await ServerOf(replicas));
    }
}

/// <summary>A misconfigured replica stops the host at start with the setting named, instead of failing reads later.</summary>
public sealed class ReplicaConfigurationTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void No_replica_configured_means_the_primary_answers_everything() => Assert.Null(GovernanceHost.Replica(Settings()));

    [Fact]
    public void A_replica_with_a_bad_connection_string_or_lag_bound_is_refused_at_start_naming_the_setting()
    {
        var bad = Assert.Throws<ConfigurationProblem>(() =>
            GovernanceHost.Replica(Settings(("GOVERNANCE_DB_REPLICA", "Host=x;NoSuchKeyword=1")))
        );
        Assert.Contains("GOVERNANCE_DB_REPLICA", bad.Message);
        var bound = Assert.Throws<ConfigurationProblem>(() =>
            GovernanceHost.Replica(
                Settings(("GOVERNANCE_DB_REPLICA", "Host=replica;Database=governance"), ("Governance:Database:ReplicaLagBoundSeconds", "0"))
            )
        );
        Assert.Contains("ReplicaLagBoundSeconds", bound.Message);
        var good = GovernanceHostReplica("Host=replica;Database=governance", "0.5");
        Assert.Equal(TimeSpan.FromMilliseconds(500), good!.LagBound);
    }

    private static ReplicaOptions? GovernanceHostReplica(string connection, string seconds) =>
        GovernanceHost.Replica(Settings(("GOVERNANCE_DB_REPLICA", connection), ("Governance:Database:ReplicaLagBoundSeconds", seconds)));
}
