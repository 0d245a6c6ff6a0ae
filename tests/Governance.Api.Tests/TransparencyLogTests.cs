using System.Diagnostics;
using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations.Transparency;
using Governance.Cli;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger.Transparency;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// The transparency log on a real PostgreSQL (issue 13): every event sealed once as an RFC 6962 leaf, signed C2SP checkpoints
/// exported outside the database, proofs over HTTP that verify against them, a leaf the standard-library Python script
/// recomputes, one sealer among several with takeover when the leader's connection is killed, and <c>ledger verify</c> clean
/// on an untampered ledger through the API and straight from PostgreSQL.
/// </summary>
[Collection(TransparencyLogCollection.Name)]
public sealed class TransparencyLogTests(TransparencyLogApp app)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task Every_proof_over_http_verifies_against_the_signed_exported_checkpoint()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        var first = await app.CheckpointEverythingAsync();
        await _ledger.RegisterModel(Scenario.NewId());
        var second = await app.CheckpointEverythingAsync();
        Assert.True(second.Size > first.Size);

        var key = NoteVerifier.Parse(app.VerifierKey);
        var latest = await _ledger.Auditor.GetAsync("/api/v1/transparency-log/checkpoint").Expect(HttpStatusCode.OK);
        var note = latest.GetProperty("note").GetString()!;
        var body = SignedNote.VerifiedBody(note, key);
        Assert.NotNull(body);
        var checkpoint = Checkpoint.ParseBody(body);
        Assert.Equal((TransparencyLogApp.Origin, second.Size), (checkpoint.Origin, checkpoint.Size));
        // The same note is in the export folder, under its tree size.
        Assert.Equal(note, await File.ReadAllTextAsync(Path.Combine(app.ExportFolder, $"{second.Size:D20}.checkpoint")));

        var stream = await _ledger
            .Auditor.GetAsync($"/api/v1/transparency-log/streams/{Uri.EscapeDataString(modelId + "@1.0.0")}/inclusion")
            .Expect(HttpStatusCode.OK);
        var proofs = stream.GetProperty("events").EnumerateArray().ToArray();
        Assert.True(proofs.Length >= 4, "the version's stream has its registration, validation, approval events");
        foreach (var p in proofs)
            Assert.True(
                Rfc6962.VerifyInclusion(
                    p.GetProperty("leafIndex").GetInt64(),
                    p.GetProperty("treeSize").GetInt64(),
                    p.GetProperty("leafHash").GetBytesFromBase64(),
                    p.GetProperty("proof").EnumerateArray().Select(h => h.GetBytesFromBase64()).ToArray(),
                    checkpoint.RootHash
                )
            );
        var seq = proofs[0].GetProperty("seq").GetInt64();
        var one = await _ledger.Auditor.GetAsync($"/api/v1/transparency-log/events/{seq}/inclusion").Expect(HttpStatusCode.OK);
        Assert.Equal(proofs[0].GetProperty("proof").GetRawText(), one.GetProperty("proof").GetRawText());

        var consistency = await _ledger
            .Auditor.GetAsync($"/api/v1/transparency-log/consistency?from={first.Size}&to={second.Size}")
            .Expect(HttpStatusCode.OK);
        Assert.True(
            Rfc6962.VerifyConsistency(
                first.Size,
                second.Size,
                consistency.GetProperty("proof").EnumerateArray().Select(h => h.GetBytesFromBase64()).ToArray(),
                first.RootHash,
                checkpoint.RootHash
            )
        );
    }

    [Fact]
    public async Task Client_mistakes_are_problems_never_500s()
    {
        await _ledger.RegisterModel(Scenario.NewId());
        var size = (await app.CheckpointEverythingAsync()).Size;
        await _ledger
            .Auditor.GetAsync("/api/v1/transparency-log/consistency?from=-1")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Auditor.GetAsync($"/api/v1/transparency-log/consistency?from=1&to={size + 1000}")
            .ExpectProblem(HttpStatusCode.NotFound, "transparency_log.no_such_tree");
        await _ledger
            .Auditor.GetAsync("/api/v1/transparency-log/events/987654321/inclusion")
            .ExpectProblem(HttpStatusCode.NotFound, "transparency_log.not_sealed");
        await _ledger
            .Auditor.GetAsync("/api/v1/transparency-log/events/1/inclusion?treeSize=0")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.Auditor.GetAsync("/api/v1/transparency-log/events/x/inclusion").Expect(HttpStatusCode.BadRequest);
        await _ledger.Auditor.GetAsync("/api/v1/transparency-log/audit?limit=0").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Auditor.GetAsync("/api/v1/transparency-log/streams/no-such-stream/inclusion")
            .ExpectProblem(HttpStatusCode.NotFound, "transparency_log.not_sealed");
    }

    [Fact]
    public async Task The_standard_library_python_script_recomputes_the_sealed_leaf_from_the_row()
    {
        await _ledger.ApprovedVersion();
        await app.CheckpointEverythingAsync();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand(
            """
            select row_to_json(r)::text, encode(l.hash, 'hex') from (select seq_id, id, stream_id, version, type, timestamp,
                correlation_id, data from governance.mt_events) r join governance.tlog_leaves l on l.seq_id = r.seq_id
            order by r.seq_id desc limit 6
            """,
            connection
        );
        await using var reader = await rows.ExecuteReaderAsync();
        var checkedRows = 0;
        while (await reader.ReadAsync())
        {
            Assert.Equal(reader.GetString(1), await PythonLeafAsync(reader.GetString(0)));
            checkedRows++;
        }
        Assert.Equal(6, checkedRows);
    }

    private static async Task<string> PythonLeafAsync(string row)
    {
        var script = Path.Combine(Programs.RepositoryRoot(), "docs", "transparency-log-leaf.py");
        using var python = Process.Start(
            new ProcessStartInfo("/usr/bin/python3", [script])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }
        )!;
        await python.StandardInput.WriteAsync(row);
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, error);
        return output.Trim();
    }

    [Fact]
    public async Task Of_two_sealers_one_leads_and_the_other_takes_over_when_the_leaders_connection_is_killed_sealing_each_event_once()
    {
        var hosted = app.Services.GetRequiredService<TransparencyLogSealer>();
        using var second = TransparencyLogTesting.Sealer(app, app.SealerOptions);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await _ledger.RegisterModel(Scenario.NewId());
            await app.CheckpointEverythingAsync();
            var sealers = new[] { hosted, second };
            var leader = await LeaderAsync(sealers, exceptPid: null);
            Assert.Equal([leader.BackendPid], await LockHoldersAsync());

            await TransparencyLogTesting.SqlAsync(app.ConnectionString, $"select pg_terminate_backend({leader.BackendPid})");
            var next = await LeaderAsync(sealers, exceptPid: leader.BackendPid);
            Assert.NotEqual(leader.BackendPid, next.BackendPid);
            Assert.Equal([next.BackendPid], await LockHoldersAsync());

            await _ledger.ApprovedVersion();
            var checkpoint = await app.CheckpointEverythingAsync();
            // Dense leaves, one per event (Marten's tombstones are none), in sequence order: nothing sealed twice, nothing missed.
            var mismatch = await TransparencyLogTesting.SqlAsync(
                app.ConnectionString,
                $"""
                select count(*) from (select seq_id, row_number() over (order by seq_id) - 1 as idx from governance.mt_events
                                      where stream_id <> '{LedgerEntry.TombstoneStream}') e
                full join governance.tlog_leaves l on l.idx = e.idx where l.seq_id is distinct from e.seq_id
                """
            );
            Assert.Equal(0L, mismatch);
            Assert.Equal(await app.EventCount(), checkpoint.Size);
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The backends holding the sealer's advisory lock, as PostgreSQL sees them.</summary>
    private async Task<int[]> LockHoldersAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select pid from pg_locks where locktype = 'advisory' and granted and classid::bigint = @high and objid::bigint = @low",
            connection
        );
        command.Parameters.AddWithValue("high", (TransparencyLogSealer.LockKey >> 32) & 0xffffffffL);
        command.Parameters.AddWithValue("low", TransparencyLogSealer.LockKey & 0xffffffffL);
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            pids.Add(reader.GetInt32(0));
        return [.. pids];
    }

    private static async Task<Governance.Ledger.Coordination.Leadership> LeaderAsync(TransparencyLogSealer[] sealers, int? exceptPid)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (sealers.Select(s => s.Leadership).FirstOrDefault(l => l is not null && l.BackendPid != exceptPid) is { } leadership)
                return leadership;
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task An_untampered_ledger_verifies_through_the_api_and_straight_from_postgresql()
    {
        await _ledger.ApprovedVersion();
        await app.CheckpointEverythingAsync();
        await VerifiedFromPostgresqlAsync();

        var api = await TransparencyLogTesting.VerifyAsync(
            new AsAuditor(app.Server.CreateHandler()),
            "--log-key",
            app.VerifierKey,
            "--checkpoints",
            app.ExportFolder
        );
        Assert.True(api.Exit == ExitCodes.Ok, api.Error + api.Json);
        Assert.True(api.Json.GetProperty("verifiedUpTo").GetInt64() > 0);
    }

    [Fact]
    public async Task Tombstones_marten_writes_for_a_rolled_back_append_are_left_out_of_the_log_and_verify_clean()
    {
        await _ledger.ApprovedVersion();
        // A number drawn and never used, as by a transaction that rolled back; sealed past below.
        var gap = (long)(await Sql("select nextval('governance.mt_events_sequence')"))!;
        await _ledger.RegisterModel(Scenario.NewId());
        await app.CheckpointEverythingAsync();

        // A save that numbers its first stream's events and then fails on its second: Marten fills the numbers it drew with
        // tombstones, afterwards, on a connection of its own, outside the append lock.
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var existing = $"security:{Scenario.NewId()}";
        await using (var first = store.LightweightSession())
        {
            first.Events.StartStream(existing, Failure(existing));
            await first.SaveChangesAsync();
        }
        await using (var failing = store.LightweightSession())
        {
            failing.Events.StartStream($"security:{Scenario.NewId()}", Failure("numbered"));
            failing.Events.Append(existing, 5, Failure(existing));
            await Assert.ThrowsAnyAsync<Exception>(() => failing.SaveChangesAsync());
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((long)(await Sql($"select count(*) from governance.mt_events where stream_id = '{LedgerEntry.TombstoneStream}'"))! == 0)
            await Task.Delay(20, timeout.Token);
        // The same tombstone landing after the sealer passed its number (the race the append lock cannot close).
        await Sql(
            "insert into governance.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, "
                + $"is_archived) select {gap}, gen_random_uuid(), stream_id, {gap}, data, type, timestamp, tenant_id, mt_dotnet_type, "
                + $"is_archived from governance.mt_events where stream_id = '{LedgerEntry.TombstoneStream}' limit 1"
        );
        await _ledger.RegisterModel(Scenario.NewId());
        await app.CheckpointEverythingAsync();

        Assert.Equal(LedgerEntry.TombstoneStream, JasperFx.StorageConstants.TombstoneStreamKey);
        Assert.Equal(
            0L,
            await Sql(
                "select count(*) from governance.tlog_leaves l join governance.mt_events e using (seq_id) "
                    + $"where e.stream_id = '{LedgerEntry.TombstoneStream}'"
            )
        );
        var verified = await VerifiedFromPostgresqlAsync();
        Assert.Equal(
            await Sql($"select count(*) from governance.mt_events where stream_id = '{LedgerEntry.TombstoneStream}'"),
            verified.GetProperty("tombstones").GetInt64()
        );
    }

    /// <summary>Runs <c>ledger verify</c> straight from PostgreSQL against the exported checkpoints and asserts that it verifies
    /// every event (Marten's tombstones are none); returns its JSON report.</summary>
    private async Task<System.Text.Json.JsonElement> VerifiedFromPostgresqlAsync()
    {
        var direct = await TransparencyLogTesting.VerifyAsync(
            null,
            "--database",
            app.ConnectionString,
            "--log-key",
            app.VerifierKey,
            "--checkpoints",
            app.ExportFolder
        );
        Assert.True(direct.Exit == ExitCodes.Ok, direct.Error + direct.Json);
        Assert.Equal(await app.EventCount(), direct.Json.GetProperty("events").GetInt64());
        return direct.Json;
    }

    private Task<object?> Sql(string sql) => TransparencyLogTesting.SqlAsync(app.ConnectionString, sql);

    private static SignInFailed Failure(string subject) =>
        new(subject, subject, "bad_password", new Audit(new Actor(subject, subject, "Anonymous"), DateTimeOffset.UtcNow, "test", "c1"));

    private sealed class AsAuditor(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            request.Headers.Add("X-Test-Subject", "auditor-cli");
            request.Headers.Add("X-Test-Role", Roles.Auditor);
            return base.SendAsync(request, ct);
        }
    }

    [Fact]
    public async Task The_clis_event_type_rule_accepts_every_type_the_ledger_stores_and_stored_before()
    {
        await _ledger.ApprovedVersion();
        var stored = new List<(string Type, string DotnetType)>();
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"select distinct type, mt_dotnet_type from governance.mt_events where stream_id <> '{LedgerEntry.TombstoneStream}'",
                connection
            );
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                stored.Add((reader.GetString(0), reader.GetString(1)));
        }
        var previous = System.Text.Json.JsonDocument.Parse(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "PreviousRelease", "events-7401839.json"))
        );
        stored.AddRange(
            previous
                .RootElement.GetProperty("events")
                .EnumerateArray()
                .Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("dotnetType").GetString()!))
        );
        Assert.True(stored.Count > 20);
        Assert.All(stored, s => Assert.True(LedgerEventTypes.Matches(s.Type, s.DotnetType), $"{s.Type} {s.DotnetType}"));
        Assert.False(LedgerEventTypes.Matches("approval_revoked", "Governance.Domain.ModelVersions.ApprovalSignedOff, Governance.Domain"));
        Assert.False(LedgerEventTypes.Matches("approval_revoked", "Governance.Domain.ModelVersions.ApprovalRevoked, Evil"));
    }
}
