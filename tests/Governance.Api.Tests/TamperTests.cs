using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Cli;
using Governance.Ledger.Transparency;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// A sealed ledger (two signed checkpoints exported, the first kept by the auditor, a sequence gap left by a rolled-back
/// append) that each test tampers with by SQL, as a DBA could, and restores afterwards. The sealer is stopped while tests run.
/// </summary>
public sealed class TamperLedger : LedgerApp
{
    public const string Origin = "governance.test/tamper";

    private static readonly string[] Tables =
    [
        "mt_streams",
        "mt_events",
        "mt_doc_approval",
        "tlog_state",
        "tlog_leaves",
        "tlog_nodes",
        "tlog_checkpoints",
    ];

    public string KeyFile => Path.Combine(DataFolder, "checkpoint-key.pem");

    public string ExportFolder => Path.Combine(DataFolder, "checkpoints");

    /// <summary>The first checkpoint, as an auditor kept it.</summary>
    public string KeptCheckpoint => Path.Combine(DataFolder, "kept.checkpoint");

    public string VerifierKey { get; private set; } = "";

    /// <summary>Every event's sequence number, in order.</summary>
    public long[] Seqs { get; private set; } = [];

    /// <summary>An approval granted, then revoked, before sealing.</summary>
    public string RevokedApproval { get; private set; } = "";

    /// <summary>A sequence number inside the sealed range that no event holds.</summary>
    public long Gap { get; private set; }

    public TransparencyLogOptions SealerOptions =>
        new(Origin, KeyFile, ExportFolder) { CheckpointInterval = TimeSpan.FromHours(1), PollInterval = TimeSpan.FromMilliseconds(50) };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Ed25519PemSigner.Generate(KeyFile);
        using (var signer = Ed25519PemSigner.Load(KeyFile))
            VerifierKey = new NoteVerifier(Origin, signer.PublicKey).VerifierKey();
        var scenario = new Scenario(this);
        // Suspended by its owner: the approval lookup must rebuild a suspension (one event, several approvals) too.
        var (suspendedModel, _, _) = await scenario.ApprovedVersion();
        await scenario
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(suspendedModel)}/suspension", new { reason = "Drift" })
            .Expect(System.Net.HttpStatusCode.OK);
        Gap = (long)(await Sql("select nextval('governance.mt_events_sequence')"))!;
        var (revokedModel, _, revoked) = await scenario.ApprovedVersion();
        await scenario
            .OfficerRavi.PostAsJsonAsync($"{Scenario.VersionPath(revokedModel)}/approvals/{revoked}/revocation", new { reason = "Drift" })
            .Expect(System.Net.HttpStatusCode.OK);
        RevokedApproval = revoked;
        using var sealer = TransparencyLogTesting.Sealer(this, SealerOptions);
        await sealer.StartAsync(CancellationToken.None);
        var first = await TransparencyLogTesting.CheckpointEverythingAsync(this);
        File.Copy(Path.Combine(ExportFolder, $"{first.Size:D20}{TransparencyLogSealer.ExportSuffix}"), KeptCheckpoint);
        await scenario.RegisterModel(Scenario.NewId());
        await TransparencyLogTesting.CheckpointEverythingAsync(this);
        await sealer.StopAsync(CancellationToken.None);

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var read = new NpgsqlCommand("select seq_id from governance.mt_events order by seq_id", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            var seqs = new List<long>();
            while (await reader.ReadAsync())
                seqs.Add(reader.GetInt64(0));
            Seqs = [.. seqs];
        }
        foreach (var table in Tables)
            await Sql($"create table governance.bak_{table} as select * from governance.{table}");
    }

    /// <summary>Puts every table back as sealed.</summary>
    public async Task RestoreAsync()
    {
        await Sql($"truncate {string.Join(", ", Tables.Select(t => "governance." + t))}");
        foreach (var table in Tables)
            await Sql($"insert into governance.{table} select * from governance.bak_{table}");
    }

    /// <summary>What an attacker who also knows the log's algorithm does: rebuilds the leaf and node tables from the tampered
    /// events and deletes the checkpoints it cannot re-sign.</summary>
    public async Task RecomputeLogTablesAsync()
    {
        await Sql("truncate governance.tlog_leaves, governance.tlog_nodes, governance.tlog_checkpoints");
        var frontier = new MerkleFrontier();
        long last = 0;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var rows = new List<(int Level, long Index, byte[] Hash, long Seq)>();
        await using (
            var read = new NpgsqlCommand(
                "select seq_id, id, stream_id, version, type, timestamp, correlation_id, data::text from governance.mt_events "
                    + "order by seq_id",
                connection
            )
        )
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var entry = TransparencyLogSealer.ReadEntry(reader);
                rows.AddRange(frontier.Append(entry.LeafHash()).Select(n => (n.Node.Level, n.Node.Index, n.Hash, entry.Seq)));
                last = entry.Seq;
            }
        foreach (var (level, index, hash, seq) in rows)
        {
            await using var insert = new NpgsqlCommand(
                level == 0
                    ? "insert into governance.tlog_leaves (idx, seq_id, hash) values (@index, @seq, @hash)"
                    : "insert into governance.tlog_nodes (level, idx, hash) values (@level, @index, @hash)",
                connection
            );
            insert.Parameters.AddWithValue("level", level);
            insert.Parameters.AddWithValue("index", index);
            insert.Parameters.AddWithValue("seq", seq);
            insert.Parameters.AddWithValue("hash", hash);
            await insert.ExecuteNonQueryAsync();
        }
        await Sql($"update governance.tlog_state set size = {frontier.Size}, last_seq = {last}, alarm = null");
    }

    public Task<object?> Sql(string sql) => TransparencyLogTesting.SqlAsync(ConnectionString, sql);
}

[CollectionDefinition(Name)]
public sealed class TamperCollection : ICollectionFixture<TamperLedger>
{
    public const string Name = "tamper";
}

/// <summary>
/// The tamper suite (issue 13, "Done when"): each kind of tampering by SQL is detected by <c>governance ledger verify</c>,
/// which exits non-zero naming the first bad event; and again when the attacker also recomputes the log's leaf and node tables
/// and deletes the checkpoints, caught by the exported checkpoints and by the auditor's kept one. The untampered ledger verifies
/// clean, and the sealer refuses to sign over a recomputed history.
/// </summary>
[Collection(TamperCollection.Name)]
public sealed class TamperTests(TamperLedger ledger)
{
    /// <summary>Each tampering: its SQL ({X} the targeted event, {Y} the next one, {G} the gap) and the finding that names it.</summary>
    public static TheoryData<string> Kinds => new(Tampering.Keys);

    private static readonly Dictionary<string, (string Sql, string Code, bool ChangesLeaves)> Tampering = new()
    {
        ["update payload"] = (
            "update governance.mt_events set data = data || '{\"reason\": \"forged\"}' where seq_id = {X}",
            "leaf_mismatch",
            true
        ),
        ["update metadata"] = (
            "update governance.mt_events set timestamp = timestamp + interval '1 microsecond' where seq_id = {X}",
            "leaf_mismatch",
            true
        ),
        ["delete"] = ("delete from governance.mt_events where seq_id = {X}", "event_missing", true),
        ["insert"] = (
            "insert into governance.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, "
                + "correlation_id, is_archived) select {G}, gen_random_uuid(), stream_id, version + 1000, data, type, timestamp, "
                + "tenant_id, mt_dotnet_type, correlation_id, false from governance.mt_events where seq_id = {X}",
            "event_unsealed_inside_log",
            true
        ),
        ["reorder"] = (
            "update governance.mt_events set seq_id = -{X} where seq_id = {X}; "
                + "update governance.mt_events set seq_id = {X} where seq_id = {Y}; "
                + "update governance.mt_events set seq_id = {Y} where seq_id = -{X}",
            "leaf_mismatch",
            true
        ),
        ["truncate and reinsert"] = (
            "create temporary table copied as select * from governance.mt_events; truncate governance.mt_events; "
                + "insert into governance.mt_events select * from copied where seq_id <> {X}",
            "event_missing",
            true
        ),
        ["archive flag"] = ("update governance.mt_events set is_archived = true where seq_id = {X}", "archived", false),
        ["dotnet type"] = (
            "update governance.mt_events set mt_dotnet_type = 'Governance.Domain.Models.ModelRetired, Governance.Domain' "
                + "where seq_id = {X}",
            "dotnet_type",
            false
        ),
        ["stream version"] = (
            "update governance.mt_streams set version = version + 1 "
                + "where id = (select stream_id from governance.mt_events where seq_id = {X})",
            "stream_version",
            false
        ),
    };

    private long X => ledger.Seqs[ledger.Seqs.Length / 2];

    private Task<(int Exit, JsonElement Json, string Error)> Verify(params string[] sources) =>
        TransparencyLogTesting.VerifyAsync(null, ["--database", ledger.ConnectionString, "--log-key", ledger.VerifierKey, .. sources]);

    private async Task Tamper(string kind)
    {
        var y = ledger.Seqs[ledger.Seqs.Length / 2 + 1];
        await ledger.Sql(
            Tampering[kind].Sql.Replace("{X}", X.ToString()).Replace("{Y}", y.ToString()).Replace("{G}", ledger.Gap.ToString())
        );
    }

    private async Task<long> ExpectedSeq(string kind) =>
        kind switch
        {
            "insert" => ledger.Gap,
            // The stream's version disagrees with its last event, which the finding names.
            "stream version" => (long)
                (
                    await ledger.Sql(
                        "select max(seq_id) from governance.mt_events where stream_id = "
                            + $"(select stream_id from governance.mt_events where seq_id = {X})"
                    )
                )!,
            _ => X,
        };

    [Fact]
    public async Task The_untampered_ledger_verifies_clean()
    {
        var clean = await Verify("--checkpoints", ledger.ExportFolder, "--trusted-checkpoint", ledger.KeptCheckpoint);
        Assert.True(clean.Exit == ExitCodes.Ok, clean.Error + clean.Json);
        Assert.Equal(ledger.Seqs.Length, clean.Json.GetProperty("events").GetInt64());
        Assert.Equal(ledger.Seqs.Length, clean.Json.GetProperty("verifiedUpTo").GetInt64());
        Assert.Equal(2, clean.Json.GetProperty("checkpoints").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Tampering_is_detected_naming_the_first_bad_event(string kind)
    {
        try
        {
            await Tamper(kind);
            var result = await Verify("--checkpoints", ledger.ExportFolder);
            Assert.True(result.Exit == ExitCodes.VerificationFailed, $"{kind}: exit {result.Exit} {result.Error}");
            var first = result.Json.GetProperty("details").GetProperty("findings")[0];
            Assert.Equal(Tampering[kind].Code, first.GetProperty("code").GetString());
            Assert.Equal(await ExpectedSeq(kind), first.GetProperty("seq").GetInt64());
            Assert.Contains($"event {await ExpectedSeq(kind)}", result.Error);
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Tampering_is_detected_when_the_attacker_also_recomputes_the_log_tables(string kind)
    {
        try
        {
            await Tamper(kind);
            await ledger.RecomputeLogTablesAsync();
            // The log's own tables now agree with the events: only the signed checkpoints outside the database catch it.
            foreach (
                var source in new[] { new[] { "--checkpoints", ledger.ExportFolder }, ["--trusted-checkpoint", ledger.KeptCheckpoint] }
            )
            {
                var result = await Verify(source);
                Assert.True(result.Exit == ExitCodes.VerificationFailed, $"{kind} with {source[0]}: exit {result.Exit} {result.Error}");
                var codes = result
                    .Json.GetProperty("details")
                    .GetProperty("findings")
                    .EnumerateArray()
                    .Select(f => f.GetProperty("code").GetString());
                if (Tampering[kind].ChangesLeaves)
                    Assert.Contains(codes, c => c is "checkpoint_root" or "checkpoint_beyond_events");
                else
                    Assert.Contains(Tampering[kind].Code, codes);
            }
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }

    [Fact]
    public async Task A_read_model_edit_from_revoked_to_approved_is_found_by_verify_projections()
    {
        try
        {
            var clean = await Verify("--checkpoints", ledger.ExportFolder, "--projections");
            Assert.True(clean.Exit == ExitCodes.Ok, clean.Error + clean.Json);
            await ledger.Sql(
                "update governance.mt_doc_approval set data = jsonb_set(data, '{status}', '\"Approved\"') "
                    + $"where id = '{ledger.RevokedApproval}'"
            );
            // The events are intact, so the log alone verifies; the read model does not.
            Assert.Equal(ExitCodes.Ok, (await Verify("--checkpoints", ledger.ExportFolder)).Exit);
            var result = await Verify("--checkpoints", ledger.ExportFolder, "--projections");
            Assert.True(result.Exit == ExitCodes.VerificationFailed, result.Error);
            var first = result.Json.GetProperty("details").GetProperty("findings")[0];
            Assert.Equal("projection", first.GetProperty("code").GetString());
            Assert.Equal($"approval:{ledger.RevokedApproval}", first.GetProperty("projection").GetString());
            Assert.Contains("says Approved", result.Error);
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }

    [Fact]
    public async Task The_sealer_refuses_to_sign_a_recomputed_history_and_raises_the_alarm()
    {
        try
        {
            await Tamper("update payload");
            await ledger.RecomputeLogTablesAsync();
            var exported = Directory.GetFiles(ledger.ExportFolder).Length;
            using var sealer = TransparencyLogTesting.Sealer(ledger, ledger.SealerOptions);
            await sealer.StartAsync(CancellationToken.None);
            await ledger.Sql("update governance.tlog_state set checkpoint_requested = true");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (sealer.Alarm is null)
                await Task.Delay(20, timeout.Token);
            await sealer.StopAsync(CancellationToken.None);
            Assert.Contains("not consistent with the exported checkpoint", sealer.Alarm);
            Assert.Equal(exported, Directory.GetFiles(ledger.ExportFolder).Length);
            Assert.Equal(sealer.Alarm, await ledger.Sql("select alarm from governance.tlog_state"));
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }

    [Fact]
    public async Task An_unsealed_event_rewritten_to_a_payload_with_no_canonical_form_stops_the_sealer_with_the_alarm_naming_it()
    {
        try
        {
            // The last event as if not sealed yet, then rewritten: jsonb keeps 1e400, RFC 8785 has no form for it.
            var last = ledger.Seqs[^1];
            await ledger.Sql(
                $$"""
                delete from governance.tlog_leaves where seq_id = {{last}};
                update governance.tlog_state set size = size - 1, last_seq = {{ledger.Seqs[^2]}};
                update governance.mt_events set data = '{"n": 1e400}' where seq_id = {{last}}
                """
            );
            using var sealer = TransparencyLogTesting.Sealer(ledger, ledger.SealerOptions);
            await sealer.StartAsync(CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (sealer.Alarm is null)
                await Task.Delay(20, timeout.Token);
            await sealer.StopAsync(CancellationToken.None);

            Assert.StartsWith($"event {last} (", sealer.Alarm);
            Assert.Contains("cannot be sealed: $.n", sealer.Alarm);
            Assert.Equal(0L, await ledger.Sql($"select count(*) from governance.tlog_leaves where seq_id = {last}"));
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }
}
