using System.Globalization;
using Governance.Documents.Layout;

namespace Governance.Documents.EvidencePacks;

/// <summary>An event's inclusion proof as a pack carries it (RFC 9162 §2.1.3): leaf <paramref name="LeafIndex"/> of the
/// checkpoint's tree, its leaf hash and audit path (leaf side first), base64.</summary>
public sealed record PackInclusion(long Seq, long LeafIndex, string LeafHash, IReadOnlyList<string> AuditPath);

/// <summary>
/// The transparency-log proof of a pack: the earliest signed checkpoint whose tree covers every event the pack cites (so a
/// re-render at the same position names the same one), the checkpoint as signed (a C2SP signed note, verifiable offline with the
/// log's key), and one inclusion proof per cited event against its root.
/// </summary>
public sealed record PackLogProof(long CheckpointSize, string CheckpointNote, IReadOnlyList<PackInclusion> Inclusions);

/// <summary>Appendix C of every pack: its proof in the transparency log, or that its position was not sealed when issued.</summary>
internal static class LogProofAppendix
{
    public static IEnumerable<Block> Blocks(EvidencePackInput i)
    {
        yield return new Heading(1, "Appendix C: transparency-log proof");
        if (i.LogProof is not { } proof)
        {
            yield return new Paragraph(
                "This pack was issued before its ledger position was covered by a signed checkpoint of the transparency log: it "
                    + "carries no inclusion proofs. Re-issue it once the position is sealed (docs/transparency-log.md), or check its "
                    + $"events with governance ledger verify.",
                Emphasis: true
            );
            yield break;
        }
        var size = proof.CheckpointSize.ToString(CultureInfo.InvariantCulture);
        yield return new Paragraph(
            $"Every event this pack cites (Appendix A) is in the transparency log's tree of {size} "
                + "events, the earliest signed checkpoint covering this pack's position. The checkpoint below is a C2SP signed note: "
                + "check its signature with the log's verifier key, recompute each event's leaf from the ledger (docs/transparency-log-"
                + "leaf.py) and check each audit path against the checkpoint's root (RFC 9162 section 2.1.3.2). No trust in the "
                + "database is needed."
        );
        yield return new Monospace(proof.CheckpointNote.TrimEnd('\n'));
        yield return new Table(
            ["Seq", "Leaf", "Leaf hash and audit path (base64 SHA-256, leaf side first)"],
            [0.8f, 0.8f, 8.4f],
            proof
                .Inclusions.Select(p =>
                    (IReadOnlyList<string>)
                        [
                            p.Seq.ToString(CultureInfo.InvariantCulture),
                            p.LeafIndex.ToString(CultureInfo.InvariantCulture),
                            string.Join(' ', [p.LeafHash, .. p.AuditPath]),
                        ]
                )
                .ToArray(),
            Monospace: true
        );
    }
}
