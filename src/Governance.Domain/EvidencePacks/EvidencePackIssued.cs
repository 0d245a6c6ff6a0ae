using Governance.Domain.Shared;

namespace Governance.Domain.EvidencePacks;

/// <summary>
/// Who downloaded which evidence pack, when, and the SHA-256 of the exact bytes, with the ledger position it was built
/// from: the same position always renders the same bytes, so a copy can be re-verified against this digest later.
/// Kept in its own stream (<c>evidence:model@version</c>) so that issuing a pack does not change the version's state.
/// </summary>
public sealed record EvidencePackIssued(
    string ModelId,
    string Version,
    string Kind,
    string Sha256,
    long SizeBytes,
    int Pages,
    long LedgerPosition,
    Audit Audit
) : ILedgerEvent
{
    public static string StreamKey(string modelId, string version) => $"evidence:{modelId}@{version}";
}
