using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Governance.Benchmarks;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger;
using Governance.Ledger.Deployments;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Usage (src/Governance.Benchmarks/run.sh runs them all):
// Governance.Benchmarks reset-db <connection string>                     (re)creates governance_bench beside it; prints its connection
// string
//   Governance.Benchmarks appends <connection string> <seconds> <writers> [committers]   ledger commands vs raw single-row
//   inserts, same database; the ledger writing at most <committers> transactions at once (LedgerOptions.GroupCommitters)
//   Governance.Benchmarks seed-check <connection string>                   one approved version; prints "model version digest"
//   Governance.Benchmarks tlog <connection string> [events]                the transparency log (TransparencyLogBench.cs)
//   Governance.Benchmarks revocation <connection string> [count]           revocation propagation across two API nodes
//   (RevocationBench.cs)
var (mode, connection) = (args[0], args[1]);

// The attestation keys of the benchmark database, kept beside it for every mode run against it (the keys its approvals were
// signed with must still be there for the next run's approvals), and dropped with it.
var keys = Path.Combine(Path.GetTempPath(), "governance-bench-keys");
if (mode == "reset-db")
{
    if (Directory.Exists(keys))
        Directory.Delete(keys, recursive: true);
    // A fresh database beside the given one, so the benchmark never touches real data; prints its connection string.
    var bench = new NpgsqlConnectionStringBuilder(connection) { Database = "governance_bench" };
    await using var admin = NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(connection) { Database = "postgres" }.ConnectionString
    );
    await using (var drop = admin.CreateCommand("DROP DATABASE IF EXISTS governance_bench WITH (FORCE)"))
        await drop.ExecuteNonQueryAsync();
    await using (var create = admin.CreateCommand("CREATE DATABASE governance_bench"))
        await create.ExecuteNonQueryAsync();
    Console.WriteLine(bench.ConnectionString);
    return;
}

// The ledger as the API runs it: the same services and writer.
await using var ledger = new ServiceCollection()
    .AddLogging()
    .AddSingleton(TimeProvider.System)
    .AddGovernanceLedger(
        new LedgerOptions(connection, Directory.CreateDirectory(keys).FullName)
        {
            GroupCommitters = mode == "appends" && args.Length > 4 ? int.Parse(args[4]) : LedgerOptions.DefaultGroupCommitters,
        }
    )
    .BuildServiceProvider();
await ledger.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
var now = () => DateTimeOffset.UtcNow;

if (mode == "tlog")
{
    await TransparencyLogBench.RunAsync(ledger, connection, args.Length > 2 ? int.Parse(args[2]) : 1_000_000);
    return;
}

if (mode == "revocation")
{
    await RevocationBench.RunAsync(ledger, connection, args.Length > 2 ? int.Parse(args[2]) : 50);
    return;
}

if (mode == "seed-check")
{
    var seeded = await ApprovedVersions.SeedAsync(ledger, "check", 1);
    Console.WriteLine($"{seeded.Models[0]} 1.0.0 {seeded.ArtifactDigest}");
    return;
}

var seconds = int.Parse(args[2]);
var writers = int.Parse(args[3]);
const int streamsPerWriter = 16;
var (streams, artifact, _) = await ApprovedVersions.SeedAsync(ledger, $"w{writers}", writers * streamsPerWriter);

// Versions of their own for the warm-up, so that the measured commands start on versions without deployments.
var (warmStreams, _, _) = await ApprovedVersions.SeedAsync(ledger, $"w{writers}-warm", writers * streamsPerWriter);
var deployments = ledger.GetRequiredService<DeploymentRecords>();

// The ledger: a pipeline's "record deployment" command through the ledger's one write path: decided against the version's
// state (FetchForWriting of the inline snapshot), appended with optimistic concurrency, inline projections (version state,
// inventory) in the same transaction.
var pipeline = Caller.FromToken("bench-pipeline", "bench-pipeline", [Roles.DeploymentPipeline]);
async Task Deploy(IReadOnlyList<string> on, int w, int i) =>
    await deployments.RecordDeploymentAsync(
        new VersionRef(on[w * streamsPerWriter + i % streamsPerWriter], "1.0.0"),
        new RecordDeployment("production", $"run-{w}-{i}", artifact, null),
        new CommandCall(pipeline, $"bench-{w}-{i}"),
        CancellationToken.None
    );

// The baseline: one row per call, its own autocommit transaction, carrying a payload like the event's.
var payload = JsonSerializer.Serialize(
    new ModelVersionDeployed(
        "bench-model",
        "1.0.0",
        "production",
        "run-0-0",
        artifact,
        Guid.NewGuid().ToString(),
        new Audit(pipeline.ActingIn(DeploymentRecords.Roles), now(), "Deployed by pipeline", "bench-0-0")
    )
);

// With the driver settings the ledger's own connections get (automatic preparation), so that only the work differs.
await using var data = NpgsqlDataSource.Create(LedgerSetup.WithAutoPrepare(connection));
await using (
    var create = data.CreateCommand(
        "DROP TABLE IF EXISTS public.bench_rows; CREATE TABLE public.bench_rows (id bigserial PRIMARY KEY, stream text NOT NULL, type "
            + "text NOT NULL, data jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())"
    )
)
    await create.ExecuteNonQueryAsync();
async Task Insert(int w, int i)
{
    await using var insert = data.CreateCommand("INSERT INTO public.bench_rows (stream, type, data) VALUES ($1, $2, $3::jsonb)");
    insert.Parameters.AddWithValue($"bench-{w}-{i % streamsPerWriter}");
    insert.Parameters.AddWithValue("model_version_deployed");
    insert.Parameters.AddWithValue(payload);
    await insert.ExecuteNonQueryAsync();
}

// Both sides warmed up for 3 s first (JIT tiering, connection pools), then measured one after the other.
const int warmUp = 3;
var store = ledger.GetRequiredService<IDocumentStore>();

async Task<long> Ledger(int secs, IReadOnlyList<string> on) => await Run(secs, writers, (w, i) => Deploy(on, w, i));
await Ledger(warmUp, warmStreams);
await Run(warmUp, writers, Insert);

// How many commands each of the ledger's transactions wrote (group commit), over the measured run only.
var (transactions, written) = (0L, 0L);
using var groups = new MeterListener
{
    InstrumentPublished = (instrument, listener) =>
    {
        if (instrument.Name == "governance.ledger.commit.commands")
            listener.EnableMeasurementEvents(instrument);
    },
};
groups.SetMeasurementEventCallback<int>(
    (_, commands, _, _) =>
    {
        Interlocked.Increment(ref transactions);
        Interlocked.Add(ref written, commands);
    }
);
groups.Start();
var ledgerCount = await Ledger(seconds, streams);
groups.Dispose();
var committers = ledger.GetRequiredService<LedgerOptions>().GroupCommitters;
var rawCount = await Run(seconds, writers, Insert);

var ledgerRate = ledgerCount / (double)seconds;
var rawRate = rawCount / (double)seconds;
Console.WriteLine(
    JsonSerializer.Serialize(
        new
        {
            writers,
            seconds,
            committers,
            ledgerCommandsPerSecond = Math.Round(ledgerRate),
            rawInsertsPerSecond = Math.Round(rawRate),
            ratio = Math.Round(ledgerRate / rawRate, 3),
            commandsPerTransaction = transactions == 0 ? 0 : Math.Round(written / (double)transactions, 2),
            payloadBytes = payload.Length,
        }
    )
);

static async Task<long> Run(int seconds, int writers, Func<int, int, Task> once)
{
    long total = 0;
    var until = Stopwatch.StartNew();
    await Task.WhenAll(
        Enumerable
            .Range(0, writers)
            .Select(w =>
                Task.Run(async () =>
                {
                    for (var i = 0; until.Elapsed.TotalSeconds < seconds; i++)
                    {
                        await once(w, i);
                        Interlocked.Increment(ref total);
                    }
                })
            )
    );
    return total;
}
