using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Benchmarks;
using Governance.Domain.Deployments;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger;
using Governance.Ledger.Deployments;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Transparency;
using Governance.Ledger.Writing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

/// <summary>
/// The transparency log's benchmark (issue 13, docs/performance.md), in one run on one database: the ledger's append rate in
/// batches of 1,000 events; the sealer's rate over the same events, against that append rate and against COPY + SHA-256 of the
/// same rows; <c>governance ledger verify --database</c> over every event (the CLI as a process); and a command's p50 with the
/// sealer off and on (alternating runs, medians), with the measured lag from commit to sealed.
/// </summary>
internal static class TransparencyLogBench
{
    private const string Origin = "governance.bench/ledger";

    /// <summary>Runs everything and prints one line per figure.</summary>
    /// <param name="events">How many events to append, seal and verify (1,000,000 for docs/performance.md).</param>
    public static async Task RunAsync(ServiceProvider ledger, string connection, int events)
    {
        var folder = Directory.CreateTempSubdirectory("governance-bench-tlog-").FullName;
        var key = Path.Combine(folder, "checkpoint-key.pem");
        Ed25519PemSigner.Generate(key);
        string verifierKey;
        using (var signer = Ed25519PemSigner.Load(key))
            verifierKey = new NoteVerifier(Origin, signer.PublicKey).VerifierKey();
        var export = Path.Combine(folder, "checkpoints");
        var log = ledger.GetRequiredService<TransparencyLog>();
        await log.EnsureSchemaAsync();
        TransparencyLogSealer Sealer(TimeSpan checkpointInterval)
        {
            var options = new TransparencyLogOptions(Origin, key, export) { CheckpointInterval = checkpointInterval };
            return new(
                log,
                ledger.GetRequiredService<SafePosition>(),
                ledger.GetRequiredService<LedgerOptions>(),
                options,
                new CheckpointKey(options),
                TimeProvider.System,
                NullLogger<TransparencyLogSealer>.Instance
            );
        }

        // 1. Appends through the ledger's writer, 1,000 events a transaction (security-log events, ~350 bytes of payload).
        var writer = ledger.GetRequiredService<LedgerWriter>();
        var call = new CommandCall(new Caller("user:bench", [Roles.Admin]), "bench-tlog");
        var clock = Stopwatch.StartNew();
        for (var batch = 0; batch < events / 1_000; batch++)
        {
            await using var write = writer.BeginAppend(SecurityLog.StreamKey($"bench-{batch}"), call, [Roles.Admin]);
            for (var i = 0; i < 1_000; i++)
                write.Append(
                    new SignInFailed(
                        $"bench-{batch}",
                        $"someone.{i}@bank.example",
                        "bad_password",
                        new Audit(new Actor(Subjects.Anonymous, Roles.System), DateTimeOffset.UtcNow, "Sign-in failed", $"c-{batch}-{i}")
                    )
                );
            await write.CommitAsync("appended", CancellationToken.None);
        }
        var appendRate = events / clock.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"appends (batches of 1,000): {events:N0} events in {clock.Elapsed.TotalSeconds:F1} s = {appendRate:N0} events/s"
        );

        // 2. COPY + SHA-256 of the same rows: reading them out and hashing each, the floor under any sealer.
        clock.Restart();
        long copied = 0;
        await using (var data = NpgsqlDataSource.Create(connection))
        await using (var conn = await data.OpenConnectionAsync())
        using (
            var copy = await conn.BeginTextExportAsync(
                "COPY (select seq_id, id, stream_id, version, type, timestamp, correlation_id, data from governance.mt_events "
                    + "order by seq_id) TO STDOUT"
            )
        )
        {
            var hash = new byte[32];
            while (await copy.ReadLineAsync() is { } line)
            {
                SHA256.HashData(Encoding.UTF8.GetBytes(line), hash);
                copied++;
            }
        }
        var copyRate = copied / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"COPY + SHA-256 of the same rows: {copied:N0} rows in {clock.Elapsed.TotalSeconds:F1} s = {copyRate:N0} rows/s");

        // 3. The sealer over every event (leaves, perfect subtrees, a checkpoint at the end).
        var all = await Count(connection);
        using (var sealer = Sealer(TimeSpan.FromDays(1)))
        {
            clock.Restart();
            await sealer.StartAsync(CancellationToken.None);
            while ((await log.StateAsync(CancellationToken.None)).Size < all)
                await Task.Delay(100);
            var sealRate = all / clock.Elapsed.TotalSeconds;
            Console.WriteLine(
                $"sealing: {all:N0} events in {clock.Elapsed.TotalSeconds:F1} s = {sealRate:N0} events/s; "
                    + $"ratio to appends {sealRate / appendRate:F2} (target >= 2), to COPY + SHA-256 {sealRate / copyRate:F2} (goal >= 0.5)"
            );
            await log.RequestCheckpointAsync(CancellationToken.None);
            while ((await log.LatestCheckpointAsync(CancellationToken.None))?.Size < all)
                await Task.Delay(100);
            await sealer.StopAsync(CancellationToken.None);
        }

        // 4. governance ledger verify, as an auditor runs it (a process of its own): straight from PostgreSQL, then through the API
        // (a process of its own too, the auditor signed in with the device flow).
        var cli = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../Governance.Cli/bin/Release/net10.0/governance.dll"));
        async Task Verify(string mode, string target, string[] arguments, string? configFolder)
        {
            var start = new ProcessStartInfo("dotnet", [cli, "ledger", "verify", .. arguments, "--log-key", verifierKey])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (configFolder is not null)
                start.Environment["GOVERNANCE_CONFIG_DIR"] = configFolder;
            clock.Restart();
            using var verify = Process.Start(start)!;
            var output = verify.StandardOutput.ReadToEndAsync();
            var error = verify.StandardError.ReadToEndAsync();
            await verify.WaitForExitAsync();
            Console.WriteLine(
                $"ledger verify {mode}: {all:N0} events in {clock.Elapsed.TotalSeconds:F1} s{target}, exit {verify.ExitCode}: "
                    + (await output + await error).Trim().Split('\n')[0]
            );
        }
        await Verify("--database", " (target < 60 s)", ["--database", connection, "--checkpoints", export], null);
        await using (var api = await ApiAuditor.StartAsync(connection, folder))
            await Verify("through the API", "", ["--server", api.Server], api.ConfigFolder);

        // 5. A command's p50 with the sealer off and on: 5 alternating runs of 200 sequential deployment records, medians. A
        // deployment record costs more as its environment's slot history grows, so every run records on versions of its own
        // (8 models, 25 records each) and the order alternates (off-on, on-off, ...): neither side inherits the other's history.
        const int perRun = 8;
        var (models, artifact, _) = await ApprovedVersions.SeedAsync(ledger, "tlog", perRun * 11);
        var deployments = ledger.GetRequiredService<DeploymentRecords>();
        var pipeline = Caller.FromToken("bench-pipeline", "bench-pipeline", [Roles.DeploymentPipeline]);
        var (off, on, lags) = (new List<double>(), new List<double>(), new List<double>());
        var interval = TimeSpan.FromSeconds(10);
        var n = 0;
        var set = 0;
        async Task<double> P50()
        {
            var times = new List<double>();
            var own = models.Skip(perRun * set++).Take(perRun).ToArray();
            for (var i = 0; i < 200; i++, n++)
            {
                var one = Stopwatch.StartNew();
                await deployments.RecordDeploymentAsync(
                    new VersionRef(own[i % perRun], "1.0.0"),
                    new RecordDeployment("production", $"tlog-run-{n}", artifact, null),
                    new CommandCall(pipeline, $"tlog-{n}"),
                    CancellationToken.None
                );
                times.Add(one.Elapsed.TotalMilliseconds);
            }
            return Median(times);
        }
        await P50(); // warm-up
        for (var run = 0; run < 5; run++)
        {
            if (run % 2 == 0)
                off.Add(await P50());
            using var sealer = Sealer(interval);
            await sealer.StartAsync(CancellationToken.None);
            on.Add(await P50());
            // Lag: from the last command's commit until the sealer has sealed it (poll interval 1 s).
            var last = await Count(connection, max: true);
            var lag = Stopwatch.StartNew();
            while ((await log.StateAsync(CancellationToken.None)).LastSeq < last)
                await Task.Delay(5);
            lags.Add(lag.Elapsed.TotalMilliseconds);
            await sealer.StopAsync(CancellationToken.None);
            if (run % 2 == 1)
                off.Add(await P50());
        }
        var (p50Off, p50On) = (Median(off), Median(on));
        Console.WriteLine(
            "command p50 (record deployment), medians of 5 runs of 200 each (order off-on, on-off, ...; fresh versions per run): "
                + $"off {p50Off:F2} ms, on {p50On:F2} ms, "
                + $"{(p50On / p50Off - 1) * 100:+0.0;-0.0}% (target <= +10%); "
                + $"runs off [{string.Join(", ", off.Select(x => x.ToString("F2")))}] "
                + $"on [{string.Join(", ", on.Select(x => x.ToString("F2")))}]"
        );
        Console.WriteLine(
            $"sealing lag after a run (poll 1 s): median {Median(lags):F0} ms, max {lags.Max():F0} ms; checkpoint interval "
                + $"{interval.TotalSeconds:F0} s in the runs (default 60 s): an event is covered by a signed checkpoint at most "
                + "interval + poll + lag after its commit"
        );
        Directory.Delete(folder, recursive: true);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<long> Count(string connection, bool max = false)
    {
        await using var data = NpgsqlDataSource.Create(connection);
        await using var command = data.CreateCommand(
            max ? "select coalesce(max(seq_id), 0) from governance.mt_events" : "select count(*) from governance.mt_events"
        );
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
