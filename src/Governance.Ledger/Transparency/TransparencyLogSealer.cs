using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Ledger.Attestations;
using Governance.Ledger.Coordination;
using Governance.Ledger.Sequencing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Transparency;

/// <summary>How the transparency log is sealed and signed.</summary>
/// <param name="Origin">The log's origin line and signed-note key name (C2SP tlog-checkpoint), e.g.
/// <c>governance.example.com/ledger</c>: no spaces, no '+'.</param>
/// <param name="KeyFile">The Ed25519 PKCS#8 PEM key that signs checkpoints (<c>openssl genpkey -algorithm ed25519</c>): a file
/// outside PostgreSQL, separate from the attestation keys; null when <see cref="Pkcs11Key"/> names a key in a token.</param>
/// <param name="ExportFolder">The append-only folder every checkpoint is written to, one file per tree size, outside the database
/// (point it at WORM storage: docs/transparency-log.md).</param>
public sealed record TransparencyLogOptions(string Origin, string? KeyFile, string ExportFolder)
{
    /// <summary>The checkpoint key in a PKCS#11 token instead of <see cref="KeyFile"/>.</summary>
    public Pkcs11CheckpointKey? Pkcs11Key { get; init; }

    /// <summary>The shortest time between two checkpoints unless one is requested (positive). Default one minute.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the sealer waits when it has caught up, and how often a follower stands for leadership. Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The most events sealed in one transaction. Default 5,000.</summary>
    public int BatchSize { get; init; } = 5_000;
}

/// <summary>The checkpoint key as an Ed25519 key pair in a PKCS#11 token (an HSM; SoftHSM2 in tests).</summary>
/// <param name="KeyLabel">The key pair's label (<c>Governance.Api admin generate-checkpoint-key</c> makes one).</param>
public sealed record Pkcs11CheckpointKey(Pkcs11Options Token, string KeyLabel);

/// <summary>
/// The transparency log's checkpoint key, opened once per process on first use and shared by the sealer and the model page's
/// verification: the PEM file of <see cref="TransparencyLogOptions.KeyFile"/> or the token key of
/// <see cref="TransparencyLogOptions.Pkcs11Key"/> (the private key never leaves the token).
/// </summary>
public sealed class CheckpointKey(TransparencyLogOptions options) : IDisposable
{
    private readonly Lazy<(IEd25519Signer Signer, IDisposable? Token)> _opened = new(() =>
        options.Pkcs11Key is { } pkcs11 ? OpenToken(pkcs11)
        : options.KeyFile is { } file ? (Ed25519PemSigner.Load(file), null)
        : throw new InvalidOperationException("The transparency log has neither a key file nor a PKCS#11 key.")
    );

    /// <summary>The signer.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key cannot be read or is not Ed25519.</exception>
    public IEd25519Signer Signer => _opened.Value.Signer;

    /// <summary>The log's signed-note verifier (origin and public key).</summary>
    public NoteVerifier Verifier => new(options.Origin, Signer.PublicKey);

    private static (IEd25519Signer, IDisposable?) OpenToken(Pkcs11CheckpointKey key)
    {
        var token = new Pkcs11KeyStore(key.Token);
        try
        {
            return (token.OpenEd25519(key.KeyLabel), token);
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_opened.IsValueCreated)
            return;
        _opened.Value.Signer.Dispose();
        _opened.Value.Token?.Dispose();
    }
}

/// <summary>
/// The transparency log's sealer: in exactly one process at a time (<see cref="LeaderElection"/>), it reads committed events in
/// sequence order up to the ledger's <see cref="SafePosition"/>, appends each as an RFC 6962 leaf
/// (<see cref="LedgerEntry.LeafHash"/>) with the perfect subtrees it completes, and signs C2SP checkpoints at most every
/// <see cref="TransparencyLogOptions.CheckpointInterval"/> or on request. Each batch commits in one transaction that checks the
/// lock is still held (the fence) and extends the tree from the size it locks in the state row, so no two sealers can write the
/// same leaf. Before signing, the sealer proves the new tree consistent with the latest checkpoint in the export folder; if it
/// cannot, it raises an alarm (critical log, <see cref="Alarm"/>, the state row) and stops, keeping the leadership so no other
/// process signs either.
/// </summary>
public sealed class TransparencyLogSealer(
    TransparencyLog log,
    SafePosition safePosition,
    LedgerOptions ledger,
    TransparencyLogOptions options,
    CheckpointKey checkpointKey,
    TimeProvider clock,
    ILogger<TransparencyLogSealer> logger
) : BackgroundService
{
    /// <summary>The leader election's advisory lock key: the first eight bytes of SHA-256("governance.transparency-log.sealer").</summary>
    public const long LockKey = 0x03d69bda75368688L;

    /// <summary>The file name suffix of exported checkpoints (<c>00000000000000000042.checkpoint</c>: the tree size, 20 digits).</summary>
    public const string ExportSuffix = ".checkpoint";

    private volatile Leadership? _leadership;
    private volatile string? _alarm;

    /// <summary>This process's leadership while it leads, else null.</summary>
    public Leadership? Leadership => _leadership;

    /// <summary>Why this sealer stopped, or null while it is sound.</summary>
    public string? Alarm => _alarm;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await log.EnsureSchemaAsync();
        var signer = checkpointKey.Signer;
        var key = checkpointKey.Verifier;
        Directory.CreateDirectory(options.ExportFolder);
        var election = new LeaderElection(ledger.ConnectionString, LockKey, options.PollInterval, clock, logger);
        await election.RunAsync((leadership, ct) => LeadAsync(leadership, signer, key, ct), stoppingToken);
    }

    private async Task LeadAsync(Leadership leadership, IAttestationSigner signer, NoteVerifier key, CancellationToken ct)
    {
        _leadership = leadership;
        try
        {
            var lastCheckpointAt = (await log.StateAsync(ct)).CheckpointAt ?? DateTimeOffset.MinValue;
            while (_alarm is null)
            {
                var (sealedCount, size, requested, checkpointSize) = await SealBatchAsync(leadership, ct);
                if (
                    size > 0
                    && (requested || (size != checkpointSize && clock.GetUtcNow() - lastCheckpointAt >= options.CheckpointInterval))
                )
                {
                    await CheckpointAsync(leadership, signer, key, ct);
                    lastCheckpointAt = clock.GetUtcNow();
                }
                if (sealedCount < options.BatchSize && _alarm is null)
                    await Task.Delay(options.PollInterval, clock, ct);
            }
            // Halted: keep the lock (and so keep every other sealer from signing) until the process is stopped.
            await Task.Delay(Timeout.Infinite, ct);
        }
        finally
        {
            _leadership = null;
        }
    }

    /// <summary>Seals the next batch of committed events; returns how many, the tree size after it, whether a checkpoint is
    /// requested and the latest checkpoint's size.</summary>
    private async Task<(int Sealed, long Size, bool Requested, long? CheckpointSize)> SealBatchAsync(
        Leadership leadership,
        CancellationToken ct
    )
    {
        var safe = await safePosition.ReadAsync(ct);
        await using var connection = await log.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await leadership.EnsureHeldAsync(connection, transaction, ct);
        var (size, lastSeq, requested) = await LockStateAsync(connection, transaction, ct);
        var checkpointSize = (await TransparencyLog.LatestCheckpointAsync(connection, transaction, ct))?.Size;
        var edge =
            size == 0 ? [] : await TransparencyLog.NodesAsync(connection, transaction, Rfc6962.Decompose(new LeafRange(0, size)), ct);
        var frontier = MerkleFrontier.Restore(size, n => edge[n]);
        var (indexes, seqs, leaves) = (new List<long>(), new List<long>(), new List<byte[]>());
        var (levels, nodeIndexes, nodes) = (new List<int>(), new List<long>(), new List<byte[]>());
        var entries = new List<LedgerEntry>(options.BatchSize);
        await using (
            var read = new NpgsqlCommand(
                $"""
                select seq_id, id, stream_id, version, type, timestamp, correlation_id, data::text from governance.mt_events
                where seq_id > @after and seq_id <= @safe and stream_id <> '{LedgerEntry.TombstoneStream}'
                order by seq_id limit @batch
                """,
                connection,
                transaction
            )
        )
        {
            read.Parameters.AddWithValue("after", lastSeq);
            read.Parameters.AddWithValue("safe", safe);
            read.Parameters.AddWithValue("batch", options.BatchSize);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                entries.Add(ReadEntry(reader));
        }
        var hashes = LedgerEntry.LeafHashes(entries);
        for (var i = 0; i < entries.Count; i++)
        {
            if (hashes[i].Hash is not { } leaf)
            {
                await transaction.RollbackAsync(ct);
                await RaiseAlarmAsync(
                    $"event {entries[i].Seq} ({entries[i].Type} on '{entries[i].Stream}') cannot be sealed: {hashes[i].Error}",
                    ct
                );
                return (0, size, false, checkpointSize);
            }
            foreach (var (node, hash) in frontier.Append(leaf))
                if (node.Level == 0)
                {
                    indexes.Add(node.Index);
                    seqs.Add(entries[i].Seq);
                    leaves.Add(hash);
                }
                else
                {
                    levels.Add(node.Level);
                    nodeIndexes.Add(node.Index);
                    nodes.Add(hash);
                }
            lastSeq = entries[i].Seq;
        }
        if (seqs.Count == 0)
            return (0, size, requested, checkpointSize);
        await using var write = new NpgsqlCommand(
            """
            insert into governance.tlog_leaves (idx, seq_id, hash) select * from unnest(@indexes, @seqs, @leaves);
            insert into governance.tlog_nodes (level, idx, hash) select * from unnest(@levels, @nodeIndexes, @nodes);
            update governance.tlog_state set size = @size, last_seq = @lastSeq;
            """,
            connection,
            transaction
        );
        write.Parameters.AddWithValue("indexes", indexes.ToArray());
        write.Parameters.AddWithValue("seqs", seqs.ToArray());
        write.Parameters.AddWithValue("leaves", leaves.ToArray());
        write.Parameters.AddWithValue("levels", levels.ToArray());
        write.Parameters.AddWithValue("nodeIndexes", nodeIndexes.ToArray());
        write.Parameters.AddWithValue("nodes", nodes.ToArray());
        write.Parameters.AddWithValue("size", frontier.Size);
        write.Parameters.AddWithValue("lastSeq", lastSeq);
        await write.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return (seqs.Count, frontier.Size, requested, checkpointSize);
    }

    /// <summary>Reads an <c>mt_events</c> row selected as (seq_id, id, stream_id, version, type, timestamp, correlation_id,
    /// data::text).</summary>
    internal static LedgerEntry ReadEntry(NpgsqlDataReader reader) =>
        new(
            reader.GetInt64(0),
            reader.GetGuid(1),
            reader.GetString(2),
            reader.GetInt64(3),
            reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.GetString(7)
        );

    private static async Task<(long Size, long LastSeq, bool Requested)> LockStateAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        CancellationToken ct
    )
    {
        await using var command = new NpgsqlCommand(
            "select size, last_seq, checkpoint_requested from governance.tlog_state for update",
            connection,
            transaction
        );
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2));
    }

    /// <summary>Signs a checkpoint of the whole tree after proving it consistent with the latest exported one; raises the alarm
    /// instead when it cannot.</summary>
    private async Task CheckpointAsync(Leadership leadership, IAttestationSigner signer, NoteVerifier key, CancellationToken ct)
    {
        await using var connection = await log.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await leadership.EnsureHeldAsync(connection, transaction, ct);
        var (size, _, _) = await LockStateAsync(connection, transaction, ct);
        var root = await TransparencyLog.RootAsync(connection, transaction, size, ct);
        var exported = LatestExport(options.ExportFolder, key);
        var stored = await TransparencyLog.LatestCheckpointAsync(connection, transaction, ct);
        var inconsistency = exported switch
        {
            { Error: { } error } => error,
            { Checkpoint: null } when stored is not null =>
                $"the export folder holds no checkpoint but the database holds one of size {stored.Size}: the export was lost or moved",
            { Checkpoint: { } last } when last.Origin != options.Origin => $"the latest exported checkpoint is of origin '{last.Origin}'",
            { Checkpoint: { } last } when last.Size > size =>
                $"the latest exported checkpoint covers {last.Size} events but the log holds {size}: sealed leaves were removed",
            { Checkpoint: { } last } when !await ConsistentAsync(connection, transaction, last, size, root, ct) =>
                $"the log of {size} events is not consistent with the exported checkpoint of size {last.Size}: sealed leaves were changed",
            _ => null,
        };
        if (inconsistency is not null)
        {
            await transaction.RollbackAsync(ct);
            await RaiseAlarmAsync(inconsistency, ct);
            return;
        }
        await using var clear = new NpgsqlCommand("update governance.tlog_state set checkpoint_requested = false", connection, transaction);
        await clear.ExecuteNonQueryAsync(ct);
        if (exported.Checkpoint?.Size != size)
        {
            var note = SignedNote.Sign(new Checkpoint(options.Origin, size, root).Body(), signer, key);
            var now = clock.GetUtcNow();
            // The export is written first: a checkpoint in the database is always one the export holds.
            await ExportAsync(Path.Combine(options.ExportFolder, $"{size:D20}{ExportSuffix}"), note, ct);
            await using var insert = new NpgsqlCommand(
                "insert into governance.tlog_checkpoints (size, root, note, signed_at) values (@size, @root, @note, @at) "
                    + "on conflict do nothing",
                connection,
                transaction
            );
            insert.Parameters.AddWithValue("size", size);
            insert.Parameters.AddWithValue("root", root);
            insert.Parameters.AddWithValue("note", note);
            insert.Parameters.AddWithValue("at", now);
            await insert.ExecuteNonQueryAsync(ct);
            logger.LogInformation("Signed checkpoint {Origin} of {Size} events", options.Origin, size);
        }
        await transaction.CommitAsync(ct);
    }

    private static async Task<bool> ConsistentAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        Checkpoint last,
        long size,
        byte[] root,
        CancellationToken ct
    )
    {
        var ranges = Rfc6962.ConsistencyRanges(last.Size, size);
        var nodes = await TransparencyLog.NodesAsync(connection, transaction, Rfc6962.NodesFor(ranges), ct);
        return Rfc6962.VerifyConsistency(
            last.Size,
            size,
            ranges.Select(r => Rfc6962.RangeHash(r, n => nodes[n])).ToArray(),
            last.RootHash,
            root
        );
    }

    /// <summary>The latest checkpoint in an export folder (highest tree size), verified with <paramref name="key"/>; an error when
    /// it does not verify.</summary>
    public static (Checkpoint? Checkpoint, string? Error) LatestExport(string folder, NoteVerifier key)
    {
        var latest = Directory
            .EnumerateFiles(folder, "*" + ExportSuffix)
            .Select(f => (Path: f, Size: long.TryParse(Path.GetFileNameWithoutExtension(f), out var s) ? s : -1))
            .Where(f => f.Size >= 0)
            .OrderByDescending(f => f.Size)
            .FirstOrDefault();
        if (latest.Path is null)
            return (null, null);
        var body = SignedNote.VerifiedBody(File.ReadAllText(latest.Path), key);
        if (body is null)
            return (null, $"the exported checkpoint {Path.GetFileName(latest.Path)} does not verify with the log's key");
        var checkpoint = Checkpoint.ParseBody(body);
        return checkpoint.Size == latest.Size
            ? (checkpoint, null)
            : (null, $"the exported checkpoint {Path.GetFileName(latest.Path)} names tree size {checkpoint.Size}");
    }

    private static async Task ExportAsync(string path, string note, CancellationToken ct)
    {
        // CreateNew: an exported checkpoint is never overwritten; flushed to disk before the database says it exists.
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
        await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(note), ct);
        file.Flush(flushToDisk: true);
    }

    private async Task RaiseAlarmAsync(string reason, CancellationToken ct)
    {
        logger.LogCritical("Transparency log halted, no checkpoint signed: {Reason}", reason);
        try
        {
            // The state row first, so that whoever sees Alarm finds the row saying the same (a stop right after the alarm
            // was seen used to leave the row empty); the alarm stands in memory even when the row cannot be written.
            await using var connection = await log.OpenAsync(ct);
            await using var command = new NpgsqlCommand("update governance.tlog_state set alarm = @reason", connection);
            command.Parameters.AddWithValue("reason", reason);
            await command.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            _alarm = reason;
        }
    }
}

/// <summary>Registers the transparency log's sealer.</summary>
public static class TransparencyLogSetup
{
    /// <summary>Runs a <see cref="TransparencyLogSealer"/> in this host (it leads only while it holds the lock, so every API process
    /// may run one). Needs <see cref="LedgerSetup.AddGovernanceLedger"/>.</summary>
    public static IServiceCollection AddTransparencyLogSealer(this IServiceCollection services, TransparencyLogOptions options) =>
        services
            .AddSingleton(options)
            .AddSingleton<CheckpointKey>()
            .AddSingleton<TransparencyLogSealer>()
            .AddHostedService(sp => sp.GetRequiredService<TransparencyLogSealer>());
}
