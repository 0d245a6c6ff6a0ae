using Governance.Attestations.Transparency;

namespace Governance.Attestations.Tests;

/// <summary>The verifier's audit over rows in memory: what it names when an event's payload can no longer be read.</summary>
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
}
