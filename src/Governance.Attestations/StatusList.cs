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

    /// <summary>The entry of one approval, or null when the list does not hold it.</summary>
    public ApprovalStatusAnswer? Find(string approvalId) => Approvals.FirstOrDefault(a => a.ApprovalId == approvalId);

    /// <summary>
    /// Verifies a signed status list: a DSSE envelope of <see cref="PayloadType"/> signed by a trusted key (<see
    /// cref="DsseVerifier"/>) that was in its window at <see cref="IssuedAt"/> (<see cref="KeyWindow"/>), and still current:
    /// <paramref name="now"/> is before <see cref="NextUpdate"/> plus <paramref name="grace"/>.
    /// </summary>
    /// <returns>The list, or a refusal: the DSSE codes, a key window code, <c>status_list_malformed</c> or
    /// <c>status_list_stale</c>.</returns>
    public static StatusListVerification Verify(byte[] envelopeJson, JwkSet trusted, DateTimeOffset now, TimeSpan grace)
    {
        var dsse = DsseVerifier.Verify(envelopeJson, PayloadType, trusted);
        if (!dsse.Verified)
            return StatusListVerification.Refused(dsse.Code, $"The status list's envelope: {dsse.Message}");
        ApprovalStatusList? list;
        try
        {
            list = JsonSerializer.Deserialize<ApprovalStatusList>(dsse.Payload!, AttestationJson.Options);
        }
        catch (JsonException e)
        {
            return StatusListVerification.Refused("status_list_malformed", $"The status list is not valid: {e.Message}");
        }
        if (list?.Approvals is null || list.NextUpdate < list.IssuedAt || list.Approvals.Any(a => a?.ApprovalId is null))
            return StatusListVerification.Refused(
                "status_list_malformed",
                "The status list lacks its approvals, or its nextUpdate is before its issuedAt."
            );
        if (KeyWindow.Check(trusted.Keys.First(k => k.Kid == dsse.KeyIds![0]), list.IssuedAt, now) is var (code, message))
            return StatusListVerification.Refused(code, $"The status list's signing key: {message}");
        if (now >= list.NextUpdate + grace)
            return StatusListVerification.Refused(
                "status_list_stale",
                $"The status list was issued {list.IssuedAt:u} and needed replacing by {list.NextUpdate:u} (grace {grace}); "
                    + "fetch a new one (GET /api/v1/approvals/status-list)."
            );
        return new StatusListVerification(
            true,
            "verified",
            $"Status list issued {list.IssuedAt:u}, current until {list.NextUpdate:u}.",
            list
        );
    }

    /// <summary>The list as a DSSE envelope signed by <paramref name="signer"/>.</summary>
    public Envelope Sign(IAttestationSigner signer) =>
        Dsse.Sign(PayloadType, JsonSerializer.SerializeToUtf8Bytes(this, AttestationJson.Options), signer);
}

/// <summary>The outcome of <see cref="ApprovalStatusList.Verify"/>: the list, or why it was refused.</summary>
public sealed record StatusListVerification(bool Verified, string Code, string Message, ApprovalStatusList? List = null)
{
    public static StatusListVerification Refused(string code, string message) => new(false, code, message);
}
