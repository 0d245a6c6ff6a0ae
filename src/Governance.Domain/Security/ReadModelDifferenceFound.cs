using Governance.Domain.Shared;

namespace Governance.Domain.Security;

/// <summary>
/// The reconciliation job rebuilt a read model from the sealed events and found stored documents that differ from it: a row
/// edited by SQL (an approval un-revoked), forged or deleted. Recorded when the set of differences changes, so the security log
/// names each new finding once; <paramref name="Subject"/> is the read model (<c>read-model:approval</c>).
/// </summary>
/// <param name="ReadModel">The read model checked (<c>approval</c>: the approval lookup).</param>
/// <param name="UpToSeq">The last event sequence number the rebuild folded.</param>
/// <param name="Differences">One sentence per differing document, naming it.</param>
public sealed record ReadModelDifferenceFound(
    string Subject,
    string ReadModel,
    long UpToSeq,
    IReadOnlyList<string> Differences,
    Audit Audit
) : ISecurityEvent;
