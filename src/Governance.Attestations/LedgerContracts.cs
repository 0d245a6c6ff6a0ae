namespace Governance.Attestations;

/// <summary>
/// An approval's standing as the ledger answers it (<c>GET /api/v1/approvals/{id}/status</c>): what a model server checks
/// online before loading. Declared once, here, for the ledger that answers and the serving library that asks.
/// </summary>
/// <param name="Status">Pending, Approved, Rejected, Revoked or Suspended (with its model version, or by a monitoring
/// breach: <paramref name="MonitoringState"/> <c>suspended</c>).</param>
/// <param name="AttestationDigest">SHA-256 of the DSSE envelope issued with the approval (<c>sha256:</c>), once granted.</param>
/// <param name="MonitoringState">After a monitoring breach: <c>under_review</c> (the approval stands while a risk officer
/// reviews it) or <c>suspended</c> (servers stop once <paramref name="DrainUntil"/> has passed); null otherwise, and from
/// ledgers of earlier releases.</param>
/// <param name="DrainUntil">With <c>suspended</c>: until when a server already serving may finish its in-flight work.</param>
public sealed record ApprovalStatusAnswer(
    string ApprovalId,
    string Model,
    string Version,
    string Environment,
    string ArtifactDigest,
    string Status,
    bool Revoked,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    string? RevocationReason,
    string? AttestationDigest,
    DateTimeOffset CheckedAt,
    string? MonitoringState = null,
    DateTimeOffset? DrainUntil = null
)
{
    /// <summary><see cref="MonitoringState"/> of an approval under review after a breach.</summary>
    public const string UnderReview = "under_review";

    /// <summary><see cref="MonitoringState"/> of an approval suspended by a breach.</summary>
    public const string Suspended = "suspended";
}

/// <summary>
/// A model server's report that it loaded an artifact after verification, or refused to (<c>POST
/// /api/v1/models/{model}/versions/{version}/loads</c>). Declared once, here, for the serving library that sends it and
/// the ledger that records it; the ledger checks every field (they are nullable so that a missing one is named).
/// </summary>
/// <param name="ReasonCode">The serving library's refusal code (e.g. <c>digest_mismatch</c>); null for a load.</param>
public sealed record ModelLoadReport(
    string? Environment,
    string? Host,
    string? ArtifactDigest,
    bool? Loaded,
    string? ApprovalId,
    string? ReasonCode,
    string? Reason
);
