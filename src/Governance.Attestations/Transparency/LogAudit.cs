namespace Governance.Attestations.Transparency;

/// <summary>An event row as an auditor reads it: the leaf's columns and the ones the leaf leaves out but the verifier checks.</summary>
/// <param name="Archived">Marten's <c>is_archived</c>; the ledger never archives, so a set flag is tampering.</param>
/// <param name="DotnetType">Marten's <c>mt_dotnet_type</c>, the CLR type the payload is read as.</param>
/// <param name="StreamVersion">The stream's version in <c>mt_streams</c>.</param>
public sealed record AuditedEvent(LedgerEntry Entry, bool Archived, string DotnetType, long StreamVersion);

/// <summary>A sealed leaf as the log's table stores it.</summary>
public sealed record SealedLeaf(long Index, long Seq, byte[] Hash);

/// <summary>One thing the audit found wrong.</summary>
/// <param name="Code">What kind: <c>leaf_mismatch</c>, <c>event_missing</c>, <c>event_unsealed_inside_log</c>, <c>archived</c>,
/// <c>dotnet_type</c>, <c>stream_version</c>, <c>event_unreadable</c>, <c>tombstone</c>,
/// <c>checkpoint_root</c>, <c>checkpoint_beyond_events</c>, <c>checkpoint_signature</c>;
/// <c>projection</c> and <c>projection_replay</c> from <c>ledger verify --projections</c>.</param>
/// <param name="Seq">The event at fault (the first bad one), when one can be named.</param>
/// <param name="Message">A sentence for the auditor.</param>
public sealed record AuditFinding(string Code, long? Seq, string Message)
{
    /// <summary>The read-model document at fault (<c>approval:{id}</c>) for a <c>projection</c> finding.</summary>
    public string? Projection { get; init; }
}

/// <summary>
/// The verifier of a ledger against its transparency log, fed event by event in sequence order (so a million events need no
/// more memory than the frontier and one entry per stream): it recomputes every leaf (<see cref="LedgerEntry.LeafHash"/>) and the
/// tree's root at each checkpoint's size, compares the i-th event with the i-th sealed leaf (so a changed, deleted, inserted or
/// reordered event is named), and refuses archived events, a <c>mt_dotnet_type</c> that is not the type's, and stream versions
/// that are not 1, 2, 3, ... or disagree with <c>mt_streams.version</c>. Marten's tombstones are not events of the log
/// (<see cref="LedgerEntry.TombstoneStream"/>): one is left out unless a leaf sealed it (as an earlier release did), and one
/// that carries a payload or another type is reported. Checkpoints must already be signature-checked: an attacker who also
/// recomputed the leaf and node tables still cannot make the events hash to a signed root.
/// </summary>
/// <param name="checkpoints">Signed checkpoints to check the events against (the log's latest, the export's, the auditor's kept
/// one), any order, duplicates allowed.</param>
/// <param name="typeMatches">Whether a <c>mt_dotnet_type</c> is the one of a <c>type</c> alias.</param>
public sealed class LogAudit(IEnumerable<Checkpoint> checkpoints, Func<string, string, bool> typeMatches)
{
    private readonly MerkleFrontier _frontier = new();
    private readonly SortedDictionary<long, List<Checkpoint>> _due = Group(checkpoints);
    private readonly Dictionary<string, (long Version, long StreamVersion, long Seq)> _streams = [];
    private readonly List<AuditFinding> _findings = [];
    private readonly List<(AuditedEvent Row, SealedLeaf? Sealed)> _pending = [];
    private long? _lastGoodCheckpoint;

    /// <summary>How many events are hashed together (on every core) before they are checked in order.</summary>
    private const int BatchSize = 2_048;
    private long _lastSeq;

    /// <summary>What was found wrong so far, in the order found (the first is the first bad event); complete after
    /// <see cref="Finish"/>.</summary>
    public IReadOnlyList<AuditFinding> Findings => _findings;

    /// <summary>How many events were read.</summary>
    public long Events => _frontier.Size + _pending.Count;

    /// <summary>How many of Marten's tombstones were left out.</summary>
    public long Tombstones { get; private set; }

    /// <summary>The largest checkpoint size whose root the events reproduced.</summary>
    public long? VerifiedUpTo => _lastGoodCheckpoint;

    private static SortedDictionary<long, List<Checkpoint>> Group(IEnumerable<Checkpoint> checkpoints)
    {
        var due = new SortedDictionary<long, List<Checkpoint>>();
        foreach (var c in checkpoints)
            (due.TryGetValue(c.Size, out var list) ? list : due[c.Size] = []).Add(c);
        return due;
    }

    /// <summary>Checks the next event (in sequence order) against the leaf sealed at its position, if any. Events are hashed
    /// in batches on every core (<see cref="LedgerEntry.LeafHashes"/>), so a finding may appear only at a later call or at
    /// <see cref="Finish"/>.</summary>
    /// <returns>False when the row is a tombstone left out of the log, so that <paramref name="sealedLeaf"/> goes with the next
    /// row; true when the row took it.</returns>
    public bool Add(AuditedEvent row, SealedLeaf? sealedLeaf)
    {
        var e = row.Entry;
        if (e.Stream == LedgerEntry.TombstoneStream && sealedLeaf?.Seq != e.Seq)
        {
            Tombstones++;
            // Moving an unsealed event onto the tombstone stream would take it out of the log: a tombstone is empty.
            if (e.Type != LedgerEntry.TombstoneType || e.Data.Trim() != "{}")
                Report(
                    "tombstone",
                    e.Seq,
                    $"event {e.Seq} ({e.Type} on '{e.Stream}') is not one of Marten's empty tombstones, which alone are left out of the log"
                );
            return false;
        }
        _pending.Add((row, sealedLeaf));
        if (_pending.Count == BatchSize)
            Flush();
        return true;
    }

    private void Flush()
    {
        var hashes = LedgerEntry.LeafHashes([.. _pending.Select(p => p.Row.Entry)]);
        for (var i = 0; i < _pending.Count; i++)
            Check(_pending[i].Row, _pending[i].Sealed, hashes[i]);
        _pending.Clear();
    }

    private void Check(AuditedEvent row, SealedLeaf? sealedLeaf, LeafHashResult hash)
    {
        var e = row.Entry;
        var index = _frontier.Size;
        if (hash.Error is not null)
            Report("event_unreadable", e.Seq, $"event {e.Seq} ({e.Type} on '{e.Stream}') cannot be canonicalised: {hash.Error}");
        // A stand-in for an unreadable event keeps the later events at their leaf indexes; it cannot reproduce a signed root.
        var leaf = hash.Hash ?? Rfc6962.LeafHash(System.Text.Encoding.UTF8.GetBytes(e.Data));
        if (sealedLeaf is not null)
        {
            if (sealedLeaf.Seq != e.Seq)
                Report(
                    sealedLeaf.Seq < e.Seq ? "event_missing" : "event_unsealed_inside_log",
                    Math.Min(sealedLeaf.Seq, e.Seq),
                    sealedLeaf.Seq < e.Seq
                        ? $"event {sealedLeaf.Seq}, sealed as leaf {index}, is no longer in the ledger (deleted or renumbered); "
                            + $"leaf {index} is now event {e.Seq}"
                        : $"event {e.Seq} ({e.Type} on '{e.Stream}') is not in the log: leaf {index} sealed event {sealedLeaf.Seq} "
                            + "(inserted or renumbered)"
                );
            else if (!sealedLeaf.Hash.AsSpan().SequenceEqual(leaf))
                Report(
                    "leaf_mismatch",
                    e.Seq,
                    $"event {e.Seq} ({e.Type} on '{e.Stream}') no longer hashes to leaf {index}: it was changed"
                );
        }
        if (row.Archived)
            Report("archived", e.Seq, $"event {e.Seq} is archived (is_archived): the ledger archives nothing");
        // A tombstone sealed by an earlier release: its leaf proves it; Marten gives it its number as version and its own type.
        if (e.Stream == LedgerEntry.TombstoneStream)
        {
            Append(leaf);
            return;
        }
        if (!typeMatches(e.Type, row.DotnetType))
            Report("dotnet_type", e.Seq, $"event {e.Seq}: mt_dotnet_type '{row.DotnetType}' is not the type of '{e.Type}'");
        var previous = _streams.TryGetValue(e.Stream, out var s) ? s.Version : 0;
        if (e.Version != previous + 1)
            Report(
                "stream_version",
                e.Seq,
                $"event {e.Seq} is version {e.Version} of '{e.Stream}', whose previous event is version {previous}"
            );
        _streams[e.Stream] = (e.Version, row.StreamVersion, e.Seq);
        if (e.Seq <= _lastSeq)
            Report("stream_version", e.Seq, $"event {e.Seq} comes after event {_lastSeq}: rows are not in sequence order");
        _lastSeq = e.Seq;
        Append(leaf);
    }

    private void Append(byte[] leaf)
    {
        _frontier.Append(leaf);
        if (_due.Remove(_frontier.Size, out var due))
            CheckRoot(due);
    }

    /// <summary>Reports a sealed leaf past the last event: the event it sealed is gone (deleted, or the table truncated).</summary>
    public void LeafWithoutEvent(SealedLeaf leaf)
    {
        Flush();
        Report("event_missing", leaf.Seq, $"event {leaf.Seq}, sealed as leaf {leaf.Index}, is no longer in the ledger");
    }

    /// <summary>Ends the audit: checks every stream's <c>mt_streams.version</c> and the checkpoints larger than the ledger.</summary>
    /// <returns>The findings (empty when the ledger verifies).</returns>
    public IReadOnlyList<AuditFinding> Finish()
    {
        Flush();
        foreach (var (stream, (version, streamVersion, seq)) in _streams)
            if (version != streamVersion)
                Report(
                    "stream_version",
                    seq,
                    $"stream '{stream}' is at version {streamVersion} in mt_streams but its last event {seq} is version {version}"
                );
        foreach (var size in _due.Keys)
            Report(
                "checkpoint_beyond_events",
                null,
                $"checkpoint of size {size} covers more events than the ledger holds ({Events}): events were deleted"
            );
        _due.Clear();
        return _findings;
    }

    private void CheckRoot(List<Checkpoint> due)
    {
        var root = _frontier.Root();
        if (due.All(c => c.RootHash.AsSpan().SequenceEqual(root)))
        {
            _lastGoodCheckpoint = _frontier.Size;
            return;
        }
        var from = _lastGoodCheckpoint ?? 0;
        Report(
            "checkpoint_root",
            null,
            $"the first {_frontier.Size} events do not hash to the signed checkpoint of that size: an event among leaves {from} to "
                + $"{_frontier.Size - 1} (after the last verified checkpoint) was changed, even though the log's own tables agree with them"
        );
    }

    private void Report(string code, long? seq, string message) => _findings.Add(new AuditFinding(code, seq, message));
}
