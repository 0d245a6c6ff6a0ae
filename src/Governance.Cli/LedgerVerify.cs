using System.CommandLine;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Governance.Attestations.Transparency;
using Npgsql;

namespace Governance.Cli;

/// <summary>
/// <c>governance ledger verify</c>: re-reads every event (through the API, or straight from PostgreSQL with
/// <c>--database</c> for an auditor who does not trust the API's host), recomputes each leaf and the tree's roots, checks the
/// signatures of the log's latest checkpoint, of the export folder's checkpoints and of the checkpoint the auditor kept, and
/// that the events reproduce every one of their roots (which is consistency with each). Exits 0 when all holds, 4
/// (<see cref="ExitCodes.VerificationFailed"/>) naming the first bad event otherwise.
/// </summary>
public static class LedgerVerify
{
    private const int PageSize = 5_000;

    internal static Command Command(
        Func<Command, Func<ParseResult, LedgerConnection, Func<string, object, Task<int>>, CancellationToken, Task<int>>, Command> run
    )
    {
        var database = new Option<string?>("--database")
        {
            Description = "Read PostgreSQL directly (a connection string) instead of the API",
        };
        var logKey = new Option<string>("--log-key")
        {
            Required = true,
            Description = "The log's signed-note verifier key (name+keyid+base64key), or a file holding it",
        };
        var trusted = new Option<FileInfo?>("--trusted-checkpoint")
        {
            Description = "A checkpoint (signed note) you kept from earlier: the ledger must still reproduce its root",
        };
        var export = new Option<DirectoryInfo?>("--checkpoints")
        {
            Description = "The sealer's export folder of checkpoints (*.checkpoint), every one checked",
        };
        var projections = new Option<bool>("--projections")
        {
            Description = "Also rebuild the approval lookup from the events and compare it with the read model (needs --database)",
        };
        var verify = run(
            new Command("verify", "Recompute the transparency log from the events and check it against signed checkpoints")
            {
                database,
                logKey,
                trusted,
                export,
                projections,
            },
            async (p, ledger, print, ct) =>
            {
                var keyText = p.GetValue(logKey)!;
                NoteVerifier key;
                try
                {
                    key = NoteVerifier.Parse(File.Exists(keyText) ? await File.ReadAllTextAsync(keyText, ct) : keyText);
                }
                catch (FormatException e)
                {
                    throw new CliFailure(ExitCodes.InvalidInput, "invalid_log_key", $"--log-key: {e.Message}");
                }
                var direct = p.GetValue(database) is { } connectionString ? new DatabaseSource(connectionString) : null;
                if (p.GetValue(projections) && direct is null)
                    throw new CliFailure(ExitCodes.InvalidInput, "invalid_input", "--projections reads the read model: give --database");
                var report = await RunAsync(
                    direct ?? (IAuditSource)new ApiSource(ledger),
                    key,
                    p.GetValue(trusted),
                    p.GetValue(export),
                    p.GetValue(projections) ? direct : null,
                    ct
                );
                if (report.Findings.Count > 0)
                    throw new CliFailure(
                        ExitCodes.VerificationFailed,
                        "ledger_tampered",
                        $"the ledger does not verify: {report.Findings[0].Message} ({report.Findings.Count} finding(s) in all)",
                        report
                    );
                return await print(
                    $"Verified {report.Events} events against {report.Checkpoints} signed checkpoint(s); the largest covers "
                        + $"{report.VerifiedUpTo} events ({report.Events - report.VerifiedUpTo} not yet covered by a checkpoint)."
                        + (report.Tombstones > 0 ? $" {report.Tombstones} tombstone(s) of rolled-back appends left out." : ""),
                    report
                );
            }
        );
        return new Command("ledger", "Verify the tamper-evident ledger") { verify };
    }

    /// <summary>What <c>ledger verify</c> found.</summary>
    /// <param name="Checkpoints">How many distinct signed checkpoints were checked.</param>
    /// <param name="VerifiedUpTo">The largest checkpoint size whose root the events reproduced (0 if none).</param>
    /// <param name="Tombstones">Marten's tombstones of rolled-back appends, which are not part of the log
    /// (<see cref="LedgerEntry.TombstoneStream"/>).</param>
    public sealed record VerifyReport(
        long Events,
        int Checkpoints,
        long VerifiedUpTo,
        IReadOnlyList<AuditFinding> Findings,
        long Tombstones
    );

    /// <summary>Runs the audit over <paramref name="source"/>, and the read-model check over <paramref name="projections"/> when
    /// given.</summary>
    /// <exception cref="CliFailure">No checkpoint to verify against, or a file that cannot be read (exit 1).</exception>
    public static async Task<VerifyReport> RunAsync(
        IAuditSource source,
        NoteVerifier key,
        FileInfo? trusted,
        DirectoryInfo? export,
        DatabaseSource? projections,
        CancellationToken ct
    )
    {
        var findings = new List<AuditFinding>();
        var checkpoints = new List<Checkpoint>();
        void Add(string where, string note)
        {
            if (SignedNote.VerifiedBody(note, key) is { } body)
                checkpoints.Add(Checkpoint.ParseBody(body));
            else
                findings.Add(new AuditFinding("checkpoint_signature", null, $"{where} is not signed by the log's key {key.Name}"));
        }
        if (await source.LatestCheckpointAsync(ct) is { } latest)
            Add("the log's latest checkpoint", latest);
        if (trusted is not null)
        {
            if (!trusted.Exists)
                throw new CliFailure(ExitCodes.InvalidInput, "missing_file", $"--trusted-checkpoint {trusted.FullName} does not exist");
            Add($"the trusted checkpoint {trusted.Name}", await File.ReadAllTextAsync(trusted.FullName, ct));
        }
        if (export is not null)
        {
            if (!export.Exists)
                throw new CliFailure(ExitCodes.InvalidInput, "missing_folder", $"--checkpoints {export.FullName} does not exist");
            foreach (var file in export.EnumerateFiles("*.checkpoint").OrderBy(f => f.Name, StringComparer.Ordinal))
                Add($"the exported checkpoint {file.Name}", await File.ReadAllTextAsync(file.FullName, ct));
        }
        if (checkpoints.Count == 0 && findings.Count == 0)
            throw new CliFailure(
                ExitCodes.InvalidInput,
                "no_checkpoint",
                "no signed checkpoint to verify against: the log has none yet; give --trusted-checkpoint or --checkpoints"
            );

        var audit = new LogAudit(checkpoints, LedgerEventTypes.Matches);
        var replay = projections is null ? null : new ProjectionCheck();
        await using var leaves = source.LeavesAsync(ct).GetAsyncEnumerator(ct);
        var moreLeaves = await leaves.MoveNextAsync();
        await foreach (var row in source.EventsAsync(ct))
        {
            if (!audit.Add(row, moreLeaves ? leaves.Current : null))
                continue;
            replay?.Add(row);
            if (moreLeaves)
                moreLeaves = await leaves.MoveNextAsync();
        }
        while (moreLeaves)
        {
            audit.LeafWithoutEvent(leaves.Current);
            moreLeaves = await leaves.MoveNextAsync();
        }
        findings.AddRange(audit.Finish());
        if (replay is not null)
            findings.AddRange(replay.Compare(await projections!.ApprovalDocumentsAsync(ct)));
        // The first bad event first: findings that name one by sequence number, then the rest (checkpoint-level).
        var ordered = findings.Where(f => f.Seq is not null).OrderBy(f => f.Seq).Concat(findings.Where(f => f.Seq is null)).ToArray();
        return new VerifyReport(
            audit.Events,
            checkpoints.Select(c => (c.Size, Convert.ToBase64String(c.RootHash))).Distinct().Count(),
            audit.VerifiedUpTo ?? 0,
            ordered,
            audit.Tombstones
        );
    }

    /// <summary>Where the auditor reads the ledger from.</summary>
    public interface IAuditSource
    {
        /// <summary>The log's latest checkpoint (a signed note), or null when it has none.</summary>
        Task<string?> LatestCheckpointAsync(CancellationToken ct);

        /// <summary>Every event, in sequence order.</summary>
        IAsyncEnumerable<AuditedEvent> EventsAsync(CancellationToken ct);

        /// <summary>Every sealed leaf, in index order.</summary>
        IAsyncEnumerable<SealedLeaf> LeavesAsync(CancellationToken ct);
    }

    /// <summary>PostgreSQL read directly: two connections stream the events and the leaves side by side.</summary>
    public sealed class DatabaseSource(string connectionString) : IAuditSource
    {
        public async Task<string?> LatestCheckpointAsync(CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                "select note from governance.tlog_checkpoints order by size desc limit 1",
                connection
            );
            try
            {
                return await command.ExecuteScalarAsync(ct) as string;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return null;
            }
        }

        public async IAsyncEnumerable<AuditedEvent> EventsAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                "select e.seq_id, e.id, e.stream_id, e.version, e.type, e.timestamp, e.correlation_id, e.data::text, e.is_archived, "
                    + "e.mt_dotnet_type, coalesce(s.version, -1) from governance.mt_events e "
                    + "left join governance.mt_streams s on s.id = e.stream_id order by e.seq_id",
                connection
            );
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                yield return new AuditedEvent(
                    new LedgerEntry(
                        reader.GetInt64(0),
                        reader.GetGuid(1),
                        reader.GetString(2),
                        reader.GetInt64(3),
                        reader.GetString(4),
                        reader.GetFieldValue<DateTimeOffset>(5),
                        reader.IsDBNull(6) ? null : reader.GetString(6),
                        reader.GetString(7)
                    ),
                    reader.GetBoolean(8),
                    reader.GetString(9),
                    reader.GetInt64(10)
                );
        }

        public async IAsyncEnumerable<SealedLeaf> LeavesAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new NpgsqlCommand("select idx, seq_id, hash from governance.tlog_leaves order by idx", connection);
            NpgsqlDataReader reader;
            try
            {
                reader = await command.ExecuteReaderAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                yield break;
            }
            await using (reader)
                while (await reader.ReadAsync(ct))
                    yield return new SealedLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        }

        /// <summary>The approval lookup's documents (<c>mt_doc_approval</c>): id and stored JSON.</summary>
        public async Task<IReadOnlyList<(string Id, string Json)>> ApprovalDocumentsAsync(CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new NpgsqlCommand("select id, data::text from governance.mt_doc_approval order by id", connection);
            var documents = new List<(string, string)>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                documents.Add((reader.GetString(0), reader.GetString(1)));
            return documents;
        }

        private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
        {
            var connection = new NpgsqlConnection(connectionString);
            try
            {
                await connection.OpenAsync(ct);
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException)
            {
                await connection.DisposeAsync();
                throw new CliFailure(ExitCodes.ServerOrAuth, "database_unreachable", $"--database: {e.Message}");
            }
            return connection;
        }
    }

    /// <summary>The API's audit pages (<c>GET /api/v1/transparency-log/audit</c>, Auditor or Admin).</summary>
    public sealed class ApiSource(LedgerConnection ledger) : IAuditSource
    {
        public async Task<string?> LatestCheckpointAsync(CancellationToken ct)
        {
            var (status, body) = await ledger.SendAsync(
                HttpMethod.Get,
                "api/v1/transparency-log/checkpoint",
                null,
                "ledger:read",
                null,
                ct
            );
            return status switch
            {
                HttpStatusCode.OK => body.GetProperty("note").GetString(),
                HttpStatusCode.NotFound => null,
                _ => throw LedgerConnection.Refusal(status, body),
            };
        }

        public async IAsyncEnumerable<AuditedEvent> EventsAsync([EnumeratorCancellation] CancellationToken ct)
        {
            for (long after = 0; ; )
            {
                var page = (await PageAsync($"afterSeq={after}&fromLeaf={long.MaxValue / 2}", ct)).GetProperty("events");
                if (page.GetArrayLength() == 0)
                    yield break;
                foreach (var e in page.EnumerateArray())
                {
                    after = e.GetProperty("seq").GetInt64();
                    yield return new AuditedEvent(
                        new LedgerEntry(
                            after,
                            e.GetProperty("id").GetGuid(),
                            e.GetProperty("stream").GetString()!,
                            e.GetProperty("version").GetInt64(),
                            e.GetProperty("type").GetString()!,
                            DateTimeOffset.Parse(
                                e.GetProperty("timestamp").GetString()!,
                                System.Globalization.CultureInfo.InvariantCulture
                            ),
                            e.GetProperty("correlationId").GetString(),
                            e.GetProperty("data").GetString()!
                        ),
                        e.GetProperty("archived").GetBoolean(),
                        e.GetProperty("dotnetType").GetString()!,
                        e.GetProperty("streamVersion").GetInt64()
                    );
                }
            }
        }

        public async IAsyncEnumerable<SealedLeaf> LeavesAsync([EnumeratorCancellation] CancellationToken ct)
        {
            for (long from = 0; ; )
            {
                var page = (await PageAsync($"afterSeq={long.MaxValue / 2}&fromLeaf={from}", ct)).GetProperty("leaves");
                if (page.GetArrayLength() == 0)
                    yield break;
                foreach (var l in page.EnumerateArray())
                {
                    from = l.GetProperty("index").GetInt64() + 1;
                    yield return new SealedLeaf(from - 1, l.GetProperty("seq").GetInt64(), l.GetProperty("hash").GetBytesFromBase64());
                }
            }
        }

        private async Task<JsonElement> PageAsync(string cursor, CancellationToken ct)
        {
            var (status, body) = await ledger.SendAsync(
                HttpMethod.Get,
                $"api/v1/transparency-log/audit?{cursor}&limit={PageSize}",
                null,
                "ledger:read",
                null,
                ct
            );
            return status == HttpStatusCode.OK ? body : throw LedgerConnection.Refusal(status, body);
        }
    }
}

/// <summary>
/// Which <c>mt_dotnet_type</c> belongs to which event <c>type</c> alias: Marten names an event type by its class name in
/// snake case (<c>ApprovalRevoked</c> → <c>approval_revoked</c>), with <c>_v2</c>... when the ledger maps a schema version, and
/// stores the class as <c>Full.Name, Governance.Domain</c>. Tests check this against the ledger's own Marten mapping.
/// </summary>
public static class LedgerEventTypes
{
    private static readonly System.Reflection.Assembly Domain = typeof(Governance.Domain.Shared.Actor).Assembly;

    // The pairs found to match: a ledger has a few dozen, and verify asks for every event. Mismatches (tampering) are not kept,
    // so rows an attacker wrote cannot grow the cache.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Alias, string DotnetType), bool> Matched = new();

    /// <summary>True when <paramref name="dotnetType"/> names a class of the domain assembly whose alias is
    /// <paramref name="alias"/>.</summary>
    public static bool Matches(string alias, string dotnetType)
    {
        if (Matched.ContainsKey((alias, dotnetType)))
            return true;
        if (!Resolve(alias, dotnetType))
            return false;
        Matched.TryAdd((alias, dotnetType), true);
        return true;
    }

    private static bool Resolve(string alias, string dotnetType)
    {
        var parts = dotnetType.Split(", ");
        if (parts.Length != 2 || parts[1] != Domain.GetName().Name || Domain.GetType(parts[0]) is not { } type)
            return false;
        var name = Alias(type.Name);
        return alias == name
            || (
                alias.StartsWith(name + "_v", StringComparison.Ordinal)
                && alias.Length > name.Length + 2
                && alias[(name.Length + 2)..].All(char.IsAsciiDigit)
            );
    }

    /// <summary>A class name in snake case, as Marten's default event alias.</summary>
    public static string Alias(string className) =>
        string.Concat(className.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
