using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Governance.Attestations;

/// <summary>A DSSE envelope (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md).</summary>
public sealed record Envelope(
    [property: JsonPropertyName("payloadType")] string PayloadType,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signatures")] IReadOnlyList<EnvelopeSignature> Signatures
);

/// <summary>One signature of an envelope; <c>keyid</c> is optional (unset is the same as empty).</summary>
public sealed record EnvelopeSignature([property: JsonPropertyName("keyid")] string? KeyId, [property: JsonPropertyName("sig")] string Sig);

public static class Dsse
{
    /// <summary>The pre-authentication encoding that is signed: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII
    /// decimal bytes.</summary>
    public static byte[] PreAuthenticationEncoding(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        var header = Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} ");
        var middle = Encoding.ASCII.GetBytes($" {payload.Length} ");
        return [.. header, .. type, .. middle, .. payload];
    }

    /// <summary>An in-toto statement as an envelope of payload type <see cref="Statement.PayloadType"/>.</summary>
    public static Envelope Sign(Statement statement, IAttestationSigner signer) =>
        Sign(Statement.PayloadType, JsonSerializer.SerializeToUtf8Bytes(statement, AttestationJson.Options), signer);

    /// <summary>An envelope of <paramref name="payload"/> with one signature by <paramref name="signer"/> over its PAE.</summary>
    public static Envelope Sign(string payloadType, byte[] payload, IAttestationSigner signer) =>
        new(
            payloadType,
            Convert.ToBase64String(payload),
            [new EnvelopeSignature(signer.KeyId, Convert.ToBase64String(signer.Sign(PreAuthenticationEncoding(payloadType, payload))))]
        );

    public static byte[] Serialize(Envelope envelope) => JsonSerializer.SerializeToUtf8Bytes(envelope, AttestationJson.Options);

    /// <summary>The digest recorded in the ledger: SHA-256 of the envelope's canonical JSON bytes.</summary>
    public static string DigestOf(Envelope envelope) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Serialize(envelope)));
}
