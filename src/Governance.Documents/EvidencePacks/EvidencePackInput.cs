using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;

namespace Governance.Documents.EvidencePacks;

public enum EvidencePackKind
{
    ModelCard,
    EuAiActAnnexIV,
    Sr117ValidationAndApproval,
}

/// <summary>One event of the version's trail as the appendix lists it; the payload digest lets any line be traced to the ledger.</summary>
public sealed record TrailEntry(
    long Sequence,
    long StreamVersion,
    DateTimeOffset At,
    string Actor,
    string Role,
    string EventType,
    string Reason,
    string PayloadDigest
);

/// <summary>Everything a pack says, read from the ledger at one position; the same input always renders the same bytes.</summary>
public sealed record EvidencePackInput(
    Model Model,
    ModelVersion Version,
    Dataset? TrainingDataset,
    Dataset? ValidationDataset,
    IReadOnlyList<TrailEntry> Trail
)
{
    /// <summary>The pack's proof in the transparency log (Appendix C), or null when its position was not yet covered by a signed
    /// checkpoint when it was issued.</summary>
    public PackLogProof? LogProof { get; init; }

    /// <summary>The ledger position the pack reflects: the stream version of the last event it includes.</summary>
    public long LedgerPosition => Trail.Count == 0 ? 0 : Trail[^1].StreamVersion;

    /// <summary>The pack's date: the time of the last event it covers (never the time of printing).</summary>
    public DateTimeOffset AsOf => Trail.Count == 0 ? Version.RegisteredAt : Trail[^1].At;
}
