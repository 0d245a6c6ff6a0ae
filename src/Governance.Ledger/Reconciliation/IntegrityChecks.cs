using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Ledger.Reconciliation;

/// <summary>The latest outcome of one integrity check (the read-model reconciliation, a model's verification against the
/// transparency log), as the dashboard shows it.</summary>
/// <param name="Name">The check: <see cref="IntegrityChecks.Reconciliation"/> or <c>model:{modelId}</c>.</param>
/// <param name="CheckedAt">When it ran.</param>
/// <param name="UpToSeq">The last event sequence number it covered.</param>
/// <param name="Passed">True when nothing was found wrong.</param>
/// <param name="Findings">One sentence per problem found (empty when it passed).</param>
/// <param name="CheckpointSize">The signed checkpoint it verified against, when it used one.</param>
/// <param name="CheckpointSignedAt">When that checkpoint was signed.</param>
public sealed record IntegrityCheck(
    string Name,
    DateTimeOffset CheckedAt,
    long UpToSeq,
    bool Passed,
    IReadOnlyList<string> Findings,
    long? CheckpointSize = null,
    DateTimeOffset? CheckpointSignedAt = null
);

/// <summary>
/// The latest outcome of each integrity check, one row per check in <c>governance.integrity_checks</c> (operational state,
/// not evidence: a failure is also recorded in the security log, which is sealed). Created with the transparency log's tables.
/// </summary>
public sealed class IntegrityChecks(LedgerOptions ledger, Transparency.TransparencyLog log)
{
    /// <summary>The read-model reconciliation's check name.</summary>
    public const string Reconciliation = "reconciliation:approval";

    /// <summary>The table's DDL (idempotent).</summary>
    public const string CreateTable = """
        create table if not exists governance.integrity_checks (
            name text primary key, checked_at timestamptz not null, up_to_seq bigint not null, passed boolean not null,
            findings jsonb not null, checkpoint_size bigint, checkpoint_signed_at timestamptz);
        """;

    /// <summary>The check name of a model's verification against the log.</summary>
    public static string Model(string modelId) => $"model:{modelId}";

    /// <summary>Records a check's outcome, replacing its previous one.</summary>
    public async Task RecordAsync(IntegrityCheck check, CancellationToken ct)
    {
        await log.EnsureSchemaAsync();
        await using var connection = new NpgsqlConnection(ledger.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            insert into governance.integrity_checks values (@name, @at, @seq, @passed, @findings, @size, @signed)
            on conflict (name) do update set checked_at = excluded.checked_at, up_to_seq = excluded.up_to_seq,
                passed = excluded.passed, findings = excluded.findings, checkpoint_size = excluded.checkpoint_size,
                checkpoint_signed_at = excluded.checkpoint_signed_at
            """,
            connection
        );
        command.Parameters.AddWithValue("name", check.Name);
        command.Parameters.AddWithValue("at", check.CheckedAt);
        command.Parameters.AddWithValue("seq", check.UpToSeq);
        command.Parameters.AddWithValue("passed", check.Passed);
        command.Parameters.AddWithValue("findings", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(check.Findings));
        command.Parameters.AddWithValue("size", (object?)check.CheckpointSize ?? DBNull.Value);
        command.Parameters.AddWithValue("signed", (object?)check.CheckpointSignedAt ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The latest outcome of <paramref name="name"/>, or null when it never ran.</summary>
    public async Task<IntegrityCheck?> GetAsync(string name, CancellationToken ct) =>
        (await ReadAsync("where name = @name", name, ct)).FirstOrDefault();

    /// <summary>Every check whose latest outcome failed, most recent first: what the dashboard shows loudly.</summary>
    public Task<IReadOnlyList<IntegrityCheck>> FailingAsync(CancellationToken ct) =>
        ReadAsync("where not passed order by checked_at desc", null, ct);

    private async Task<IReadOnlyList<IntegrityCheck>> ReadAsync(string where, string? name, CancellationToken ct)
    {
        await log.EnsureSchemaAsync();
        await using var connection = new NpgsqlConnection(ledger.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "select name, checked_at, up_to_seq, passed, findings::text, checkpoint_size, checkpoint_signed_at "
                + $"from governance.integrity_checks {where}",
            connection
        );
        if (name is not null)
            command.Parameters.AddWithValue("name", name);
        var checks = new List<IntegrityCheck>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                checks.Add(
                    new(
                        reader.GetString(0),
                        reader.GetFieldValue<DateTimeOffset>(1),
                        reader.GetInt64(2),
                        reader.GetBoolean(3),
                        JsonSerializer.Deserialize<string[]>(reader.GetString(4))!,
                        reader.IsDBNull(5) ? null : reader.GetInt64(5),
                        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)
                    )
                );
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Before the first migration or sealer start: no check has run.
        }
        return checks;
    }
}
