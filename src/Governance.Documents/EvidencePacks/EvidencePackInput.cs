using Governance.Domain.Datasets;
using Governance.Domain.Incidents;
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

/// <summary>The pack originally issued at a ledger position, as a re-render by another renderer version cites it.</summary>
/// <param name="Sha256">The digest of the bytes issued then (the ledger keeps them, retrievable by this digest).</param>
/// <param name="RendererVersion">The renderer version that drew it; null for a pack issued before renderer versions were
/// recorded.</param>
public sealed record OriginalPack(string Sha256, int? RendererVersion);

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

    /// <summary>The serious incidents recorded with the version (EU AI Act Art. 73), as of <see cref="Position"/>, oldest
    /// first by when the provider became aware.</summary>
    public IReadOnlyList<SeriousIncident> Incidents { get; init; } = [];

    /// <summary>The events of the model's technical file the pack cites, in stream order (Appendix A's continuation).</summary>
    public IReadOnlyList<TrailEntry> DocumentationTrail { get; init; } = [];

    /// <summary>The ledger position (global event sequence number) the pack reflects: the highest of every event it was drawn
    /// from (the version's, the model's, its technical file's, its datasets' and the earlier versions'). Any read at or after it,
    /// before the next such event, gives the same pack.</summary>
    public long Position { get; init; }

    /// <summary>The pack originally issued at <see cref="Position"/> when it was drawn by another renderer version (the pack then
    /// says so and cites its digest); null otherwise.</summary>
    public OriginalPack? ReRenderOf { get; init; }

    /// <summary>The version's stream version at <see cref="Position"/>: the stream version of the last event of it the pack
    /// includes.</summary>
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
