using Governance.Domain.Shared;

namespace Governance.Domain.EvidencePacks;

/// <summary>
/// Who downloaded which evidence pack, when, and the SHA-256 of the exact bytes, with the ledger position it was built
/// from: the same position and renderer version always render the same bytes, so a copy can be re-verified against this digest
/// later, and the ledger keeps the bytes under it. Kept in its own stream (<c>evidence:model@version</c>) so that issuing a pack
/// does not change the version's state.
/// </summary>
/// <param name="LedgerPosition">The version's stream version the pack reflects.</param>
/// <param name="RendererVersion">The evidence-pack renderer version that drew it; null in events stored before it was
/// recorded.</param>
/// <param name="Position">The global ledger position (event sequence number) the pack reflects and states; null in events
/// stored before it was recorded.</param>
public sealed record EvidencePackIssued(
    string ModelId,
    string Version,
    string Kind,
    string Sha256,
    long SizeBytes,
    int Pages,
    long LedgerPosition,
    Audit Audit,
    int? RendererVersion = null,
    long? Position = null
) : ILedgerEvent
{
    public static string StreamKey(string modelId, string version) => $"evidence:{modelId}@{version}";
}
