using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;

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

/// <summary>Everything a pack says, read from the ledger at one position, with the names the people directory gives the parties
/// when it is rendered (the ledger records subject ids only); the same input always renders the same bytes.</summary>
/// <param name="PreviousVersion">
/// The latest earlier version of the model with explainability evidence, if any: the benchmark the SR 11-7 pack compares with.
/// </param>
public sealed record EvidencePackInput(
    Model Model,
    ModelVersion Version,
    Dataset? TrainingDataset,
    Dataset? ValidationDataset,
    IReadOnlyList<TrailEntry> Trail,
    PeopleNames People,
    ModelVersion? PreviousVersion = null
)
{
    /// <summary>The pack's proof in the transparency log (Appendix C), or null when its position was not yet covered by a signed
    /// checkpoint when it was issued.</summary>
    public PackLogProof? LogProof { get; init; }

    /// <summary>The model's technical file (documentation statements, risk file) as read with the version; null when nothing is
    /// recorded in it.</summary>
    public TechnicalFile? Documentation { get; init; }

    /// <summary>The events of the model's technical file the pack cites, in stream order (Appendix A's continuation).</summary>
    public IReadOnlyList<TrailEntry> DocumentationTrail { get; init; } = [];

    /// <summary>The ledger position the pack reflects: the stream version of the last event it includes.</summary>
    public long LedgerPosition => Trail.Count == 0 ? 0 : Trail[^1].StreamVersion;

    /// <summary>The pack's date: the time of the last event it covers, of the version or of the technical file (never the time
    /// of printing).</summary>
    public DateTimeOffset AsOf =>
        new[]
        {
            Trail.Count == 0 ? Version.RegisteredAt : Trail[^1].At,
            DocumentationTrail.Count == 0 ? default : DocumentationTrail[^1].At,
        }.Max();
}
