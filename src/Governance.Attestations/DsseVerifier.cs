using System.Security.Cryptography;
using System.Text.Json;

namespace Governance.Attestations;

/// <summary>
/// The outcome of <see cref="DsseVerifier"/>: verified, or one specific reason it was refused. A verified one
/// carries the envelope as parsed (<see cref="Envelope"/>), its decoded payload, and the ids of the distinct trusted keys
/// whose signatures verified, in the order of the signatures, until the threshold was met (later ones are not checked).
/// </summary>
/// <param name="Envelope">The envelope with its payload and signatures re-encoded in standard base64 with padding, so
/// that an envelope re-encoded in the URL-safe alphabet has the same <see cref="Dsse.DigestOf"/>; unknown fields dropped.</param>
public sealed record DsseVerification(
    bool Verified,
    string Code,
    string Message,
    Envelope? Envelope = null,
    byte[]? Payload = null,
    IReadOnlyList<string>? KeyIds = null
)
{
    public static DsseVerification Refused(string code, string message) => new(false, code, message);
}

/// <summary>
/// Verifies a DSSE envelope (https://github.com/secure-systems-lab/dsse, envelope.md and protocol.md, "Multi-signature
/// Verification") against trusted keys, whatever its payload means: the payload and signatures may be in either base64
/// alphabet, padded or not; each signature is checked over the pre-authentication encoding rebuilt from the envelope
/// (lengths in UTF-8 bytes) with the trusted keys its <c>keyid</c> names, or with every trusted key when it has none
/// (the keyid is a hint, never trusted); a signature that fails is skipped; the envelope verifies when signatures by at
/// least <c>threshold</c> distinct trusted keys verify. Unknown fields are ignored.
/// </summary>
public static class DsseVerifier
{
    /// <summary>One payload type, threshold 1, against the EC P-256 keys of a JWKS (keys of other types are ignored, as a JWK
    /// set's reader does: RFC 7517 §5): how this product verifies its own envelopes.</summary>
    public static DsseVerification Verify(byte[] envelopeJson, string payloadType, JwkSet trusted)
    {
        var keys = trusted.Keys.Select(Es256KeyOrNull).OfType<Es256VerificationKey>().ToList();
        try
        {
            return Verify(envelopeJson, [payloadType], keys, threshold: 1);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    private static Es256VerificationKey? Es256KeyOrNull(Jwk jwk)
    {
        try
        {
            return new Es256VerificationKey(jwk.Kid, Jwks.ToKey(jwk));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <param name="envelopeJson">The JSON envelope.</param>
    /// <param name="supportedPayloadTypes">The payload types the caller can parse (compared ordinally); any other is
    /// refused.</param>
    /// <param name="trusted">The trusted keys, each a distinct key.</param>
    /// <param name="threshold">How many distinct trusted keys must have signed, at least 1.</param>
    /// <returns>Verified, or refused with one of these codes: <c>envelope_malformed</c> (not JSON, a required field
    /// missing, no signature, invalid base64), <c>payload_type_unsupported</c>, <c>signature_unknown_key</c> (no signature
    /// names a trusted key), <c>signature_invalid</c> (no signature verifies, though some was checked against a trusted
    /// key), <c>signature_threshold_unmet</c> (fewer distinct trusted keys than the threshold verified).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is less than 1.</exception>
    public static DsseVerification Verify(
        byte[] envelopeJson,
        IReadOnlyCollection<string> supportedPayloadTypes,
        IReadOnlyList<IDsseVerificationKey> trusted,
        int threshold
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(envelopeJson, AttestationJson.Options);
        }
        catch (JsonException e)
        {
            return DsseVerification.Refused("envelope_malformed", $"The envelope is not valid JSON: {e.Message}");
        }
        if (
            envelope is null
            || envelope.PayloadType is null
            || envelope.Payload is null
            || envelope.Signatures is not { Count: > 0 }
            || envelope.Signatures.Any(s => s?.Sig is null)
        )
            return DsseVerification.Refused("envelope_malformed", "The envelope lacks payloadType, payload, signatures or a sig.");
        if (!supportedPayloadTypes.Contains(envelope.PayloadType))
            return DsseVerification.Refused(
                "payload_type_unsupported",
                $"The payload type is '{envelope.PayloadType}', not {string.Join(" or ", supportedPayloadTypes.Select(t => $"'{t}'"))}."
            );
        if (Decode(envelope.Payload) is not { } payload)
            return DsseVerification.Refused("envelope_malformed", "The payload is not valid base64.");
        var signatures = envelope.Signatures.Select(s => (s.KeyId, Sig: Decode(s.Sig))).ToList();
        if (signatures.Any(s => s.Sig is null))
            return DsseVerification.Refused("envelope_malformed", "A signature is not valid base64.");

        var pae = Dsse.PreAuthenticationEncoding(envelope.PayloadType, payload);
        var accepted = new List<IDsseVerificationKey>();
        var failed = new List<string>();
        var unknown = new List<string>();
        foreach (var (keyId, sig) in signatures)
        {
            if (accepted.Count >= threshold)
                break;
            var candidates = string.IsNullOrEmpty(keyId) ? trusted : trusted.Where(k => k.KeyId == keyId).ToList();
            var signer = candidates.FirstOrDefault(k => k.Verify(pae, sig!));
            if (signer is null)
                (candidates.Count > 0 ? failed : unknown).Add(string.IsNullOrEmpty(keyId) ? "(no key id)" : keyId);
            else if (!accepted.Contains(signer))
                accepted.Add(signer);
        }
        if (accepted.Count >= threshold)
            return new DsseVerification(
                true,
                "verified",
                $"Signed by {string.Join(", ", accepted.Select(k => k.KeyId))}.",
                new Envelope(
                    envelope.PayloadType,
                    Convert.ToBase64String(payload),
                    [.. signatures.Select(s => new EnvelopeSignature(s.KeyId, Convert.ToBase64String(s.Sig!)))]
                ),
                payload,
                [.. accepted.Select(k => k.KeyId)]
            );
        if (accepted.Count > 0)
            return DsseVerification.Refused(
                "signature_threshold_unmet",
                $"Only {accepted.Count} distinct trusted key(s) signed ({string.Join(", ", accepted.Select(k => k.KeyId))}), "
                    + $"{threshold} are required."
            );
        if (failed.Count > 0)
            return DsseVerification.Refused(
                "signature_invalid",
                $"No signature verifies with the trusted keys it was checked against (signed by {string.Join(", ", failed)}): "
                    + "the envelope was altered or signed by another key."
            );
        return DsseVerification.Refused(
            "signature_unknown_key",
            $"No signature is by a trusted key (signed by {string.Join(", ", unknown)})."
        );
    }

    /// <summary>Base64 in either alphabet, padded or not (envelope.md: "Either standard or URL-safe encoding is allowed");
    /// null when it is not base64. <see cref="Jwks.FromBase64Url"/> maps the URL-safe alphabet onto the standard one and
    /// restores the padding, so standard base64 passes through it unchanged.</summary>
    private static byte[]? Decode(string text)
    {
        try
        {
            return Jwks.FromBase64Url(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
