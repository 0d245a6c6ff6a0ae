using System.Diagnostics;
using System.Text.Json;
using Governance.Api.Hosting;
using Governance.Api.Ledger;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Marten;
using Npgsql;

// Usage (src/Governance.Benchmarks/run.sh runs them all):
//   Governance.Benchmarks reset-db <connection string>                     (re)creates governance_bench beside it; prints its connection string
//   Governance.Benchmarks appends <connection string> <seconds> <writers>   ledger commands vs raw single-row inserts, same database
//   Governance.Benchmarks seed-check <connection string>                   one approved version; prints "model version digest"
var (mode, connection) = (args[0], args[1]);
if (mode == "reset-db")
{
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
await using var store = new DocumentStore(LedgerStore.Configure(new StoreOptions(), connection));
await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
var now = () => DateTimeOffset.UtcNow;

if (mode == "seed-check")
{
    var (model, digest) = await ApprovedVersions(store, "check", 1);
    Console.WriteLine($"{model[0]} 1.0.0 {digest}");
    return;
}

var seconds = int.Parse(args[2]);
var writers = int.Parse(args[3]);
const int streamsPerWriter = 16;
var (streams, artifact) = await ApprovedVersions(store, $"w{writers}", writers * streamsPerWriter);

// The ledger: a pipeline's "record deployment" command, decided against the version's state (FetchForWriting of the
// inline snapshot), appended with optimistic concurrency, inline projections (version state, inventory) in the same transaction.
var pipeline = new Actor("bench-pipeline", "Benchmark pipeline", Roles.DeploymentPipeline, "bench-pipeline");
var ledgerCount = await Run(
    seconds,
    writers,
    async (w, i) =>
    {
        await using var session = store.LightweightSession();
        var key = ModelVersion.StreamKey(streams[w * streamsPerWriter + i % streamsPerWriter], "1.0.0");
        var context = new CommandContext(pipeline, now(), $"bench-{w}-{i}");
        await session.DecideAsync<ModelVersion>(
            key,
            null,
            v => [DeploymentDecisions.Decide(new RecordDeployment("production", $"run-{w}-{i}", artifact, null), v!, context)],
            ModelVersion.Evolve,
            CancellationToken.None
        );
        await session.SaveChangesAsync();
    }
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
        new Audit(pipeline, now(), "Deployed by pipeline", "bench-0-0")
    )
);
await using var data = NpgsqlDataSource.Create(connection);
await using (
    var create = data.CreateCommand(
        "DROP TABLE IF EXISTS public.bench_rows; CREATE TABLE public.bench_rows (id bigserial PRIMARY KEY, stream text NOT NULL, type text NOT NULL, data jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())"
    )
)
    await create.ExecuteNonQueryAsync();
var rawCount = await Run(
    seconds,
    writers,
    async (w, i) =>
    {
        await using var insert = data.CreateCommand("INSERT INTO public.bench_rows (stream, type, data) VALUES ($1, $2, $3::jsonb)");
        insert.Parameters.AddWithValue($"bench-{w}-{i % streamsPerWriter}");
        insert.Parameters.AddWithValue("model_version_deployed");
        insert.Parameters.AddWithValue(payload);
        await insert.ExecuteNonQueryAsync();
    }
);

var ledgerRate = ledgerCount / (double)seconds;
var rawRate = rawCount / (double)seconds;
Console.WriteLine(
    JsonSerializer.Serialize(
        new
        {
            writers,
            seconds,
            ledgerCommandsPerSecond = Math.Round(ledgerRate),
            rawInsertsPerSecond = Math.Round(rawRate),
            ratio = Math.Round(ledgerRate / rawRate, 3),
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

// Approved versions to deploy, prepared through the same deciders as the API (one low-risk model per stream).
static async Task<(string[] Models, string ArtifactDigest)> ApprovedVersions(IDocumentStore store, string prefix, int count)
{
    var owner = new Actor("bench-owner", "Benchmark owner", Roles.ModelOwner);
    var validator = new Actor("bench-validator", "Benchmark validator", Roles.Validator);
    var officer = new Actor("bench-officer", "Benchmark officer", Roles.RiskOfficer);
    var run = Guid.NewGuid().ToString("N")[..8];
    var artifact = Digest.OfText("benchmark artifact");
    var file = new DatasetFile("bench.csv", Digest.OfText("bench data"), 1000);
    var dataset = await Do<Dataset>(
        store,
        Dataset.StreamKey($"bench-{run}", "1"),
        owner,
        (d, c) =>
            [
                RegisterDatasetDecision.Decide(
                    new RegisterDataset($"bench-{run}", "1", null, [file], null, 10, [new DatasetColumn("x", "float")], false, null, null),
                    d,
                    c
                ),
            ],
        Dataset.Evolve
    );
    var models = new string[count];
    for (var i = 0; i < count; i++)
    {
        var id = models[i] = $"bench-{prefix}-{run}-{i}";
        var model = await Do<Model>(
            store,
            id,
            owner,
            (m, c) => [RegisterModelDecision.Decide(new RegisterModel(id, id, "benchmark", RiskTier.Low, null, ["EU"], null), m, c)],
            Model.Evolve
        );
        var key = ModelVersion.StreamKey(id, "1.0.0");
        await Do<ModelVersion>(
            store,
            key,
            owner,
            (v, c) =>
                [
                    RegisterModelVersionDecision.Decide(
                        new RegisterModelVersion(
                            id,
                            "1.0.0",
                            "s3://bench/model.zip",
                            artifact,
                            1000,
                            ArtifactFormat.MlNetZip,
                            dataset!.ManifestDigest,
                            dataset.ManifestDigest,
                            null,
                            "bench",
                            null,
                            null
                        ),
                        model,
                        v,
                        dataset,
                        dataset,
                        c
                    ),
                ],
            ModelVersion.Evolve
        );
        await Do<ModelVersion>(
            store,
            key,
            owner,
            (v, c) => [ValidationDecisions.Decide(new SubmitForValidation("bench", null, null, null), v!, c)],
            ModelVersion.Evolve
        );
        await Do<ModelVersion>(
            store,
            key,
            validator,
            (v, c) => [ValidationDecisions.Decide(new RecordValidationOutcome(ValidationOutcome.Passed, [], "bench"), v!, c)],
            ModelVersion.Evolve
        );
        var approvalId = Guid.NewGuid().ToString();
        await Do<ModelVersion>(
            store,
            key,
            owner,
            (v, c) => [RequestApprovalDecision.Decide(new RequestApproval(approvalId, "production", "bench", null), v!, c)],
            ModelVersion.Evolve
        );
        await Do<ModelVersion>(
            store,
            key,
            officer,
            (v, c) =>
                [
                    .. ApproveModelVersionDecision.Decide(
                        new ApproveModelVersion(approvalId, artifact, "production", "bench", [], c.Now.AddDays(30)),
                        v!,
                        c
                    ),
                ],
            ModelVersion.Evolve
        );
    }
    return (models, artifact);
}

static async Task<TState?> Do<TState>(
    IDocumentStore store,
    string key,
    Actor actor,
    Func<TState?, CommandContext, IReadOnlyList<object>> decide,
    Func<TState?, object, TState?> evolve
)
    where TState : class
{
    await using var session = store.LightweightSession();
    var context = new CommandContext(actor, DateTimeOffset.UtcNow, "bench-seed");
    var decided = await session.DecideAsync(key, null, s => decide(s, context), evolve, CancellationToken.None);
    await session.SaveChangesAsync();
    return decided.After;
}
