using System.Data;
using Governance.Attestations.Transparency;
using Governance.Domain.Shared;
using Npgsql;
using NpgsqlTypes;

namespace Governance.Ledger.Transparency;

/// <summary>A checkpoint as the log stores it: the signed note and what it commits to.</summary>
/// <param name="Note">The C2SP signed note (checkpoint body, blank line, signature line).</param>
public sealed record SignedCheckpoint(string Origin, long Size, byte[] RootHash, string Note, DateTimeOffset SignedAt);

/// <summary>An event's inclusion proof: leaf <see cref="LeafIndex"/> of the tree of <see cref="TreeSize"/> leaves.</summary>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="LeafHash">The stored leaf hash.</param>
/// <param name="Proof">RFC 9162 §2.1.3 audit path, leaf side first.</param>
public sealed record InclusionProof(long Seq, long LeafIndex, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Proof);

/// <summary>A consistency proof between two tree sizes (RFC 9162 §2.1.4), with both roots as the log stores them.</summary>
public sealed record ConsistencyProof(long FromSize, long ToSize, byte[] FromRoot, byte[] ToRoot, IReadOnlyList<byte[]> Proof);

/// <summary>The log's state: leaves sealed, the last sealed event, the latest checkpoint and any alarm.</summary>
/// <param name="Alarm">Why the sealer stopped (it never signs a checkpoint inconsistent with the exported one); null when sound.</param>
public sealed record TransparencyLogState(long Size, long LastSeq, long? CheckpointSize, DateTimeOffset? CheckpointAt, string? Alarm);

/// <summary>
/// The transparency log's tables in the governance schema and every read of them: the leaves (RFC 6962 leaf hashes with a
/// dense index and the event each seals), the perfect subtrees' hashes (so a proof costs O(log n) rows, read in one query),
/// the signed checkpoints and a one-row state. The sealer (<see cref="TransparencyLogSealer"/>) is their only writer.
/// </summary>
public sealed class TransparencyLog(LedgerOptions ledger, Sequencing.SafePosition safePosition)
{
    /// <summary>The most rows of each kind an audit page holds.</summary>
    public const int MaxAuditPage = 10_000;

    /// <summary>The select list of an audited event row (<c>e</c> the event, <c>s</c> its stream), in
    /// <see cref="ReadAuditedEvent"/>'s order.</summary>
    public const string AuditedEventColumns =
        "e.seq_id, e.id, e.stream_id, e.version, e.type, e.timestamp, e.correlation_id, e.data::text, e.is_archived, e.mt_dotnet_type, "
        + "coalesce(s.version, -1)";

    private readonly Lazy<Task> _schema = new(() =>
        ledger.AutoCreate == JasperFx.AutoCreate.None ? Task.CompletedTask : CreateSchemaAsync(ledger.ConnectionString)
    );

    /// <summary>Creates the tables if they are missing, unless the schema is applied by the <c>migrate</c> command only
    /// (<see cref="LedgerOptions.AutoCreate"/> None).</summary>
    public Task EnsureSchemaAsync() => _schema.Value;

    /// <summary>Creates the transparency log's tables and <see cref="Reconciliation.IntegrityChecks"/>'s if they are missing
    /// (idempotent; concurrent callers are serialised by a transaction lock). Needs DDL rights: the migration role.</summary>
    public static async Task CreateSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            """
            select pg_advisory_xact_lock(x'4dc7b0a4ff037e28'::bigint);
            create schema if not exists governance;
            create table if not exists governance.tlog_state (
                id int primary key check (id = 1), size bigint not null, last_seq bigint not null,
                checkpoint_requested boolean not null default false, alarm text);
            insert into governance.tlog_state (id, size, last_seq) values (1, 0, 0) on conflict do nothing;
            create table if not exists governance.tlog_leaves (
                idx bigint primary key, seq_id bigint not null unique, hash bytea not null);
            create table if not exists governance.tlog_nodes (
                level int not null, idx bigint not null, hash bytea not null, primary key (level, idx));
            create table if not exists governance.tlog_checkpoints (
                size bigint primary key, root bytea not null, note text not null, signed_at timestamptz not null);
            """ + Reconciliation.IntegrityChecks.CreateTable,
            connection,
            transaction
        );
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        await EnsureSchemaAsync();
        var connection = new NpgsqlConnection(ledger.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>The log's state.</summary>
    public async Task<TransparencyLogState> StateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            select s.size, s.last_seq, c.size, c.signed_at, s.alarm from governance.tlog_state s
            left join lateral (select size, signed_at from governance.tlog_checkpoints order by size desc limit 1) c on true
            """,
            connection
        );
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new TransparencyLogState(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4)
        );
    }

    /// <summary>Asks the sealer (whichever process leads) for a checkpoint at its next round, even before the interval.</summary>
    public async Task RequestCheckpointAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand("update governance.tlog_state set checkpoint_requested = true", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The latest signed checkpoint, or null before the first.</summary>
    public async Task<SignedCheckpoint?> LatestCheckpointAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await LatestCheckpointAsync(connection, null, ct);
    }

    internal static async Task<SignedCheckpoint?> LatestCheckpointAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        CancellationToken ct
    )
    {
        await using var command = new NpgsqlCommand(
            "select note, signed_at from governance.tlog_checkpoints order by size desc limit 1",
            connection,
            transaction
        );
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var note = reader.GetString(0);
        var checkpoint = Checkpoint.ParseBody(SignedNote.Parse(note).Body);
        return new SignedCheckpoint(checkpoint.Origin, checkpoint.Size, checkpoint.RootHash, note, reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>
    /// The proof an evidence pack carries for the events it cites (<paramref name="seqs"/>): the earliest signed checkpoint whose
    /// tree holds all of them (the same at every re-render at the same position, since checkpoints never change) and each event's
    /// inclusion proof against it. Null when an event is not sealed yet or no checkpoint covers them all.
    /// </summary>
    public async Task<Documents.EvidencePacks.PackLogProof?> PackProofAsync(IReadOnlyList<long> seqs, CancellationToken ct)
    {
        if (seqs.Count == 0)
            return null;
        await using var connection = await OpenAsync(ct);
        var leaves = new List<(long Seq, long Index)>();
        await using (var read = new NpgsqlCommand("select seq_id, idx from governance.tlog_leaves where seq_id = any(@seqs)", connection))
        {
            read.Parameters.AddWithValue("seqs", seqs.ToArray());
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                leaves.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        if (leaves.Count < seqs.Distinct().Count())
            return null;
        await using var earliest = new NpgsqlCommand(
            "select size, note from governance.tlog_checkpoints where size > @last order by size limit 1",
            connection
        );
        earliest.Parameters.AddWithValue("last", leaves.Max(l => l.Index));
        long size;
        string note;
        await using (var reader = await earliest.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            (size, note) = (reader.GetInt64(0), reader.GetString(1));
        }
        var proofs = await InclusionsAsync(connection, [.. leaves.OrderBy(l => l.Seq)], size, ct);
        return new(
            size,
            note,
            [
                .. proofs.Select(p => new Documents.EvidencePacks.PackInclusion(
                    p.Seq,
                    p.LeafIndex,
                    Convert.ToBase64String(p.LeafHash),
                    [.. p.Proof.Select(Convert.ToBase64String)]
                )),
            ]
        );
    }

    /// <summary>The inclusion proof of the event numbered <paramref name="seq"/> in the tree of <paramref name="treeSize"/>
    /// leaves (default: the latest checkpoint's).</summary>
    /// <exception cref="GovernanceRuleException">NotFound when there is no checkpoint yet, the event is not sealed, or the
    /// tree size is not one the log has; InvalidInput for a tree size not above zero.</exception>
    public async Task<InclusionProof> InclusionAsync(long seq, long? treeSize, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        var size = await ProvenSizeAsync(connection, treeSize, ct);
        await using var command = new NpgsqlCommand("select idx from governance.tlog_leaves where seq_id = @seq", connection);
        command.Parameters.AddWithValue("seq", seq);
        if (await command.ExecuteScalarAsync(ct) is not long index || index >= size)
            throw GovernanceRuleException.NotFound(
                "transparency_log.not_sealed",
                $"event {seq} is not among the {size} events of the tree (not sealed yet, or no such event)"
            );
        return (await InclusionsAsync(connection, [(seq, index)], size, ct))[0];
    }

    /// <summary>The inclusion proofs of every event of stream <paramref name="streamKey"/> that the tree of
    /// <paramref name="treeSize"/> leaves (default: the latest checkpoint's) holds, in stream order.</summary>
    /// <exception cref="GovernanceRuleException">As <see cref="InclusionAsync"/>; NotFound when the tree holds no event of the
    /// stream.</exception>
    public async Task<IReadOnlyList<InclusionProof>> StreamInclusionAsync(string streamKey, long? treeSize, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        var size = await ProvenSizeAsync(connection, treeSize, ct);
        await using var command = new NpgsqlCommand(
            """
            select l.seq_id, l.idx from governance.mt_events e join governance.tlog_leaves l on l.seq_id = e.seq_id
            where e.stream_id = @stream and l.idx < @size order by e.version
            """,
            connection
        );
        command.Parameters.AddWithValue("stream", streamKey);
        command.Parameters.AddWithValue("size", size);
        var leaves = new List<(long, long)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                leaves.Add((reader.GetInt64(0), reader.GetInt64(1)));
        if (leaves.Count == 0)
            throw GovernanceRuleException.NotFound(
                "transparency_log.not_sealed",
                $"the tree of {size} events holds no event of stream '{streamKey}'"
            );
        return await InclusionsAsync(connection, leaves, size, ct);
    }

    /// <summary>The consistency proof from the tree of <paramref name="fromSize"/> leaves to that of <paramref name="toSize"/>
    /// (default: the latest checkpoint's).</summary>
    /// <exception cref="GovernanceRuleException">InvalidInput when <paramref name="fromSize"/> is negative or above
    /// <paramref name="toSize"/>; NotFound as <see cref="InclusionAsync"/>.</exception>
    public async Task<ConsistencyProof> ConsistencyAsync(long fromSize, long? toSize, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        var size = await ProvenSizeAsync(connection, toSize, ct);
        if (fromSize < 0 || fromSize > size)
            throw GovernanceRuleException.InvalidField("from", $"must be between 0 and the tree size {size}");
        var ranges = Rfc6962.ConsistencyRanges(fromSize, size);
        var roots = new[] { new LeafRange(0, fromSize), new LeafRange(0, size) }.Where(r => r.End > 0);
        var nodes = await NodesAsync(connection, null, Rfc6962.NodesFor(ranges.Concat(roots)), ct);
        return new ConsistencyProof(
            fromSize,
            size,
            Rfc6962.RangeHash(new LeafRange(0, fromSize), n => nodes[n]),
            Rfc6962.RangeHash(new LeafRange(0, size), n => nodes[n]),
            ranges.Select(r => Rfc6962.RangeHash(r, n => nodes[n])).ToArray()
        );
    }

    /// <summary>
    /// A page for an auditor: events after <paramref name="afterSeq"/> up to the safe position, as stored (with the columns the
    /// verifier checks), and the sealed leaves from index <paramref name="fromLeaf"/>, each at most <paramref name="limit"/>.
    /// </summary>
    /// <exception cref="GovernanceRuleException">InvalidInput for a negative cursor or a limit outside
    /// 1..<see cref="MaxAuditPage"/>.</exception>
    public async Task<(IReadOnlyList<AuditedEvent> Events, IReadOnlyList<SealedLeaf> Leaves)> AuditPageAsync(
        long afterSeq,
        long fromLeaf,
        int limit,
        CancellationToken ct
    )
    {
        if (afterSeq < 0)
            throw GovernanceRuleException.InvalidField("afterSeq", "must not be negative");
        if (fromLeaf < 0)
            throw GovernanceRuleException.InvalidField("fromLeaf", "must not be negative");
        if (limit is < 1 or > MaxAuditPage)
            throw GovernanceRuleException.InvalidField("limit", $"must be between 1 and {MaxAuditPage}");
        var safe = await safePosition.ReadAsync(ct);
        await using var connection = await OpenAsync(ct);
        var events = new List<AuditedEvent>();
        await using (
            var command = new NpgsqlCommand(
                $"select {AuditedEventColumns} from governance.mt_events e left join governance.mt_streams s on s.id = e.stream_id "
                    + "where e.seq_id > @after and e.seq_id <= @safe order by e.seq_id limit @limit",
                connection
            )
        )
        {
            command.Parameters.AddWithValue("after", afterSeq);
            command.Parameters.AddWithValue("safe", safe);
            command.Parameters.AddWithValue("limit", limit);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                events.Add(ReadAuditedEvent(reader));
        }
        var leaves = new List<SealedLeaf>();
        await using (
            var command = new NpgsqlCommand(
                "select idx, seq_id, hash from governance.tlog_leaves where idx >= @from order by idx limit @limit",
                connection
            )
        )
        {
            command.Parameters.AddWithValue("from", fromLeaf);
            command.Parameters.AddWithValue("limit", limit);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                leaves.Add(new SealedLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
        }
        return (events, leaves);
    }

    /// <summary>Reads a row selected with <see cref="AuditedEventColumns"/>.</summary>
    public static AuditedEvent ReadAuditedEvent(NpgsqlDataReader reader) =>
        new(TransparencyLogSealer.ReadEntry(reader), reader.GetBoolean(8), reader.GetString(9), reader.GetInt64(10));

    /// <summary>The root of the tree of the first <paramref name="size"/> leaves, from the stored nodes.</summary>
    internal static async Task<byte[]> RootAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        long size,
        CancellationToken ct
    )
    {
        if (size == 0)
            return Rfc6962.EmptyRoot();
        var range = new LeafRange(0, size);
        var nodes = await NodesAsync(connection, transaction, Rfc6962.Decompose(range), ct);
        return Rfc6962.RangeHash(range, n => nodes[n]);
    }

    private static async Task<long> ProvenSizeAsync(NpgsqlConnection connection, long? treeSize, CancellationToken ct)
    {
        if (treeSize is <= 0)
            throw GovernanceRuleException.InvalidField("treeSize", "must be above zero");
        await using var command = new NpgsqlCommand("select size from governance.tlog_state", connection);
        var sealedSize = (long)(await command.ExecuteScalarAsync(ct))!;
        if (treeSize is { } asked)
            return asked <= sealedSize
                ? asked
                : throw GovernanceRuleException.NotFound(
                    "transparency_log.no_such_tree",
                    $"the log holds {sealedSize} events, not {asked}"
                );
        return (await LatestCheckpointAsync(connection, null, ct))?.Size
            ?? throw GovernanceRuleException.NotFound("transparency_log.no_checkpoint", "the log has signed no checkpoint yet");
    }

    internal static async Task<IReadOnlyList<InclusionProof>> InclusionsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<(long Seq, long Index)> leaves,
        long size,
        CancellationToken ct
    )
    {
        var paths = leaves.Select(l => Rfc6962.InclusionRanges(l.Index, size)).ToArray();
        var needed = Rfc6962.NodesFor(paths.SelectMany(p => p).Concat(leaves.Select(l => new LeafRange(l.Index, l.Index + 1))));
        var nodes = await NodesAsync(connection, null, needed, ct);
        return leaves
            .Select(
                (l, i) =>
                    new InclusionProof(
                        l.Seq,
                        l.Index,
                        size,
                        nodes[new MerkleNode(0, l.Index)],
                        paths[i].Select(r => Rfc6962.RangeHash(r, n => nodes[n])).ToArray()
                    )
            )
            .ToArray();
    }

    /// <summary>Reads the hashes of <paramref name="wanted"/> in one query (leaves from the leaf table, the rest from the node
    /// table).</summary>
    /// <exception cref="InvalidOperationException">A node is missing: the tables are not a tree of the size asked.</exception>
    internal static async Task<Dictionary<MerkleNode, byte[]>> NodesAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        IReadOnlyList<MerkleNode> wanted,
        CancellationToken ct
    )
    {
        await using var command = new NpgsqlCommand(
            """
            select 0, idx, hash from governance.tlog_leaves where idx = any(@leaves)
            union all
            select n.level, n.idx, n.hash from governance.tlog_nodes n
            join unnest(@levels, @indexes) as w(level, idx) on n.level = w.level and n.idx = w.idx
            """,
            connection,
            transaction
        );
        var interior = wanted.Where(n => n.Level > 0).ToArray();
        command.Parameters.AddWithValue("leaves", wanted.Where(n => n.Level == 0).Select(n => n.Index).ToArray());
        command.Parameters.Add(
            new NpgsqlParameter("levels", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = interior.Select(n => n.Level).ToArray() }
        );
        command.Parameters.AddWithValue("indexes", interior.Select(n => n.Index).ToArray());
        var found = new Dictionary<MerkleNode, byte[]>();
        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.Default, ct))
            while (await reader.ReadAsync(ct))
                found[new MerkleNode(reader.GetInt32(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        var missing = wanted.Where(n => !found.ContainsKey(n)).Take(1).ToArray();
        return missing.Length == 0 ? found : throw new InvalidOperationException($"the log's tables lack node {missing[0]}");
    }
}
