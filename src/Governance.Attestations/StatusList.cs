using System.Text.Json;

namespace Governance.Attestations;

/// <summary>
/// The signed status list: every approval's status and attestation digest at <see cref="IssuedAt"/>, signed by the
/// ledger's current attestation key as a DSSE envelope of payload type <see cref="PayloadType"/>. An offline verifier
/// holding a list no older than <see cref="NextUpdate"/> (plus its own grace) learns of every revocation and re-attestation
/// up to <see cref="IssuedAt"/>; past that the list is refused, so an old copy cannot hide a revocation. The format is
/// documented in docs/attestations.md ("Signed status list").
/// </summary>
/// <param name="IssuedAt">When the ledger answered; must lie in the signing key's window.</param>
/// <param name="NextUpdate">When a newer list must be fetched.</param>
/// <param name="Approvals">Every approval the ledger knows, each as its online status answer would give it (with
/// <c>checkedAt</c> = <paramref name="IssuedAt"/>), ordered by approval id.</param>
public sealed record ApprovalStatusList(DateTimeOffset IssuedAt, DateTimeOffset NextUpdate, IReadOnlyList<ApprovalStatusAnswer> Approvals)
{
    public const string PayloadType = "application/vnd.governance.approval-status-list+json";

    /// <summary>The list as a DSSE envelope signed by <paramref name="signer"/>.</summary>
    public Envelope Sign(IAttestationSigner signer) =>
        Dsse.Sign(PayloadType, JsonSerializer.SerializeToUtf8Bytes(this, AttestationJson.Options), signer);
}
