using Governance.Attestations.Transparency;
using Governance.Domain.Shared;
using Governance.Ledger.Reconciliation;
using Npgsql;

namespace Governance.Ledger.Transparency;

/// <summary>
/// Verifies one model's events against the transparency log, for the auditor's model page (issue 13 item 7): the latest
/// checkpoint's signature with the log's key; then each event of the model's streams (the model and every <c>model@version</c>)
/// that the checkpoint covers, recomputed from its row as stored (<see cref="LedgerEntry.LeafHash"/>) and proven included in the
/// signed root (RFC 9162 §2.1.3.2); and stream versions without gaps. The outcome is kept in <see cref="IntegrityChecks"/>, so
/// a failure is loud on the dashboard. <c>governance ledger verify</c> remains the full, independent check.
/// </summary>
public sealed class ModelLogVerification(TransparencyLog log, IntegrityChecks checks, CheckpointKey? checkpointKey, TimeProvider clock)
{
    private readonly Lazy<NoteVerifier?> _key = new(() => checkpointKey?.Verifier);

    /// <summary>Whether this process knows the log's key (it runs a sealer): without it nothing can be verified here.</summary>
    public bool Available => checkpointKey is not null;

    /// <summary>The latest verification of <paramref name="modelId"/>, or null when it was never verified.</summary>
    public Task<IntegrityCheck?> LastAsync(string modelId, CancellationToken ct) => checks.GetAsync(IntegrityChecks.Model(modelId), ct);

    /// <summary>Verifies the model's events now and records the outcome.</summary>
    /// <exception cref="GovernanceRuleException">NotFound <c>transparency_log.unavailable</c>: no log key in this process, or no
    /// checkpoint yet.</exception>
    public async Task<IntegrityCheck> VerifyAsync(string modelId, CancellationToken ct)
    {
        var key =
            _key.Value
            ?? throw GovernanceRuleException.NotFound(
                "transparency_log.unavailable",
                "This server runs no transparency log (Governance:TransparencyLog:KeyFile or :Pkcs11): nothing to verify against."
            );
        var checkpoint =
            await log.LatestCheckpointAsync(ct)
            ?? throw GovernanceRuleException.NotFound("transparency_log.unavailable", "The log has signed no checkpoint yet.");
        var findings = new List<string>();
        if (SignedNote.VerifiedBody(checkpoint.Note, key) is null)
            findings.Add($"checkpoint {checkpoint.Size} is not signed by the log's key {key.Name}");

        var rows = new List<(LedgerEntry Entry, long? Index)>();
        await using var connection = await log.OpenAsync(ct);
        await using (
            var command = new NpgsqlCommand(
                """
                select e.seq_id, e.id, e.stream_id, e.version, e.type, e.timestamp, e.correlation_id, e.data::text, l.idx
                from governance.mt_events e left join governance.tlog_leaves l on l.seq_id = e.seq_id
                where e.stream_id = @model or e.stream_id = @file or left(e.stream_id, length(@prefix)) = @prefix order by e.seq_id
                """,
                connection
            )
        )
        {
            command.Parameters.AddWithValue("model", modelId);
            command.Parameters.AddWithValue("prefix", modelId + "@");
            command.Parameters.AddWithValue("file", Domain.TechnicalDocumentation.TechnicalFile.StreamKey(modelId));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add((TransparencyLogSealer.ReadEntry(reader), reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }
        if (rows.Count == 0)
            throw GovernanceRuleException.NotFound("model.not_found", $"No events of model {modelId}.");

        var covered = rows.Where(r => r.Index < checkpoint.Size).ToArray();
        var proofs = await TransparencyLog.InclusionsAsync(
            connection,
            [.. covered.Select(r => (r.Entry.Seq, r.Index!.Value))],
            checkpoint.Size,
            ct
        );
        foreach (var ((entry, index), proof) in covered.Zip(proofs))
            if (!Rfc6962.VerifyInclusion(index!.Value, checkpoint.Size, entry.LeafHash(), proof.Proof, checkpoint.RootHash))
                findings.Add(
                    $"event {entry.Seq} ({entry.Type}, version {entry.Version} of '{entry.Stream}') is not what checkpoint "
                        + $"{checkpoint.Size} signed: it was changed, or the log's tables were"
                );
        foreach (var stream in rows.GroupBy(r => r.Entry.Stream))
        {
            var expected = 1L;
            foreach (var (entry, _) in stream.OrderBy(r => r.Entry.Version))
            {
                if (entry.Version != expected)
                    findings.Add($"stream '{stream.Key}' jumps from version {expected - 1} to {entry.Version}: an event was removed");
                expected = entry.Version + 1;
            }
        }
        var uncoveredSealed = rows.Count(r => r.Index is null && r.Entry.Seq <= covered.LastOrDefault().Entry?.Seq);
        if (uncoveredSealed > 0)
            findings.Add($"{uncoveredSealed} event(s) of the model inside the sealed range have no leaf: inserted after sealing");
        var check = new IntegrityCheck(
            IntegrityChecks.Model(modelId),
            clock.GetUtcNow(),
            covered.Length == 0 ? 0 : covered[^1].Entry.Seq,
            findings.Count == 0,
            findings,
            checkpoint.Size,
            checkpoint.SignedAt
        );
        await checks.RecordAsync(check, ct);
        return check;
    }
}
