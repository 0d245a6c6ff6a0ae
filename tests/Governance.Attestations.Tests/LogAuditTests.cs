using Governance.Attestations.Transparency;

namespace Governance.Attestations.Tests;

/// <summary>The verifier's audit over rows in memory: what it names when an event's payload can no longer be read, and how it
/// treats Marten's tombstones.</summary>
public class LogAuditTests
{
    [Fact]
    public void An_event_rewritten_to_a_payload_that_is_not_i_json_is_named_and_the_events_after_it_keep_their_leaves()
    {
        var entries = Enumerable
            .Range(1, 3)
            .Select(i => new LedgerEntry(i, Guid.NewGuid(), "s", i, "t", DateTimeOffset.UnixEpoch, null, $$"""{"n":{{i}}}"""))
            .ToArray();
        var tree = new MerkleTree();
        foreach (var e in entries)
            tree.Append(e.LeafHash());
        var audit = new LogAudit([new Checkpoint("test/log", 3, tree.Root(3))], (_, _) => true);

        // A number beyond any double: PostgreSQL's jsonb stores it, RFC 8785 refuses it.
        var tampered = entries.Select((e, i) => i == 1 ? e with { Data = """{"n":1e400}""" } : e).ToArray();
        for (var i = 0; i < tampered.Length; i++)
            audit.Add(new AuditedEvent(tampered[i], false, "T", 3), new SealedLeaf(i, i + 1, entries[i].LeafHash()));
        var findings = audit.Finish();

        Assert.Equal(("event_unreadable", 2L), (findings[0].Code, findings[0].Seq));
        Assert.Contains("$.n", findings[0].Message);
        Assert.DoesNotContain(findings, f => f.Seq == 3);
        Assert.Contains(findings, f => f.Code == "checkpoint_root");
        Assert.Equal(3, audit.Events);
    }

    private static LedgerEntry Event(long seq, long version) =>
        new(seq, Guid.NewGuid(), "s", version, "t", DateTimeOffset.UnixEpoch, null, $$"""{"n":{{seq}}}""");

    private static LedgerEntry Tombstone(long seq, string type = LedgerEntry.TombstoneType, string data = "{}") =>
        new(seq, Guid.NewGuid(), LedgerEntry.TombstoneStream, seq, type, DateTimeOffset.UnixEpoch, null, data);

    /// <summary>Feeds the rows as <c>ledger verify</c> does: the next leaf goes with the next row that takes one.</summary>
    private static IReadOnlyList<AuditFinding> Audit(LogAudit audit, LedgerEntry[] rows, LedgerEntry[] sealedRows)
    {
        var leaf = 0;
        foreach (var row in rows)
        {
            var sealedLeaf = leaf < sealedRows.Length ? new SealedLeaf(leaf, sealedRows[leaf].Seq, sealedRows[leaf].LeafHash()) : null;
            if (audit.Add(new AuditedEvent(row, false, "T", row.Stream == "s" ? 2 : row.Version), sealedLeaf))
                leaf++;
        }
        return audit.Finish();
    }

    private static LogAudit Over(params LedgerEntry[] sealedRows)
    {
        var tree = new MerkleTree();
        foreach (var e in sealedRows)
            tree.Append(e.LeafHash());
        return new LogAudit([new Checkpoint("test/log", sealedRows.Length, tree.Root(sealedRows.Length))], (_, _) => true);
    }

    [Fact]
    public void A_tombstone_that_landed_inside_the_sealed_range_is_left_out_and_counted()
    {
        LedgerEntry[] sealedRows = [Event(1, 1), Event(3, 2)];
        var audit = Over(sealedRows);

        var findings = Audit(audit, [sealedRows[0], Tombstone(2), sealedRows[1], Tombstone(4)], sealedRows);

        Assert.Empty(findings);
        Assert.Equal((2L, 2L, 2L), (audit.Events, audit.Tombstones, audit.VerifiedUpTo ?? 0));
    }

    [Fact]
    public void A_tombstone_an_earlier_release_sealed_stays_a_leaf_and_is_checked_against_it()
    {
        LedgerEntry[] sealedRows = [Event(1, 1), Tombstone(2), Event(3, 2)];

        var clean = Over(sealedRows);
        Assert.Empty(Audit(clean, sealedRows, sealedRows));
        Assert.Equal((3L, 0L), (clean.Events, clean.Tombstones));

        var changed = Audit(Over(sealedRows), [sealedRows[0], sealedRows[1] with { Data = """{"n":2}""" }, sealedRows[2]], sealedRows);
        Assert.Equal(("leaf_mismatch", 2L), (changed[0].Code, changed[0].Seq));
    }

    [Theory]
    [InlineData("model_registered", "{}")]
    [InlineData(LedgerEntry.TombstoneType, """{"n":2}""")]
    public void An_event_moved_onto_the_tombstone_stream_is_reported(string type, string data)
    {
        LedgerEntry[] sealedRows = [Event(1, 1), Event(3, 2)];

        var findings = Audit(Over(sealedRows), [sealedRows[0], Tombstone(2, type, data), sealedRows[1]], sealedRows);

        Assert.Equal(("tombstone", 2L), (Assert.Single(findings).Code, findings[0].Seq));
    }
}
