using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Governance.Attestations.Tests;

/// <summary>Approvals of one artifact, signed as the ledger signs them (ES256 over the DSSE pre-authentication encoding),
/// and envelopes put together by hand around them.</summary>
public static class SignedApprovals
{
    public static readonly string ArtifactHex = new('a', 64);
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    public static readonly Expectation ThisArtifactInProduction = new("sha256:" + ArtifactHex, "production", "credit-scoring-de", "1.2.0");

    public static PemSigner NewSigner()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new PemSigner(Jwks.FromKey(key, "current").Kid, key);
    }

    public static JwkSet Trusting(params PemSigner[] signers) => new([.. signers.Select(s => Jwks.FromKey(s.Key, "current"))]);

    public static Es256VerificationKey TrustedKey(PemSigner signer) => new(signer.KeyId, Jwks.ToKey(Jwks.FromKey(signer.Key, "current")));

    public static Verification Verify(byte[] envelope, JwkSet trusted) =>
        AttestationVerifier.Verify(envelope, ThisArtifactInProduction, trusted, Now);

    public static Statement Approval(IReadOnlyList<string>? conditions = null) =>
        new(
            Statement.TypeV1,
            [new Subject("model.zip", new Dictionary<string, string> { ["sha256"] = ArtifactHex })],
            ModelApprovalPredicate.Type,
            new ModelApprovalPredicate(
                "approval-1",
                "credit-scoring-de",
                "1.2.0",
                "production",
                "High",
                "Retail credit decisions",
                [new ApproverClaim("user:rita", null, "RiskOfficer", Now.AddDays(-1))],
                conditions ?? ["Quarterly monitoring"],
                Now.AddDays(-1),
                Now.AddDays(90),
                new ValidationClaim("Passed", "user:victor", null, Now.AddDays(-3)),
                "sha256:" + new string('c', 64),
                "sha256:" + new string('d', 64),
                new LedgerReference("credit-scoring-de@1.2.0", 9, "model_version_approved")
            )
        );

    public static byte[] ApprovalPayload() => JsonSerializer.SerializeToUtf8Bytes(Approval(), AttestationJson.Options);

    public static JsonObject ApprovalJson() => JsonSerializer.SerializeToNode(Approval(), AttestationJson.Options)!.AsObject();

    /// <summary>A JSON envelope of this payload, in standard base64, with one signature per (signer, key id); a null key id
    /// is left out.</summary>
    public static byte[] Envelope(string payloadType, byte[] payload, params (IAttestationSigner Signer, string? KeyId)[] signatures)
    {
        var pae = Dsse.PreAuthenticationEncoding(payloadType, payload);
        var sigs = new JsonArray();
        foreach (var (signer, keyId) in signatures)
        {
            var sig = new JsonObject { ["sig"] = Convert.ToBase64String(signer.Sign(pae)) };
            if (keyId is not null)
                sig["keyid"] = keyId;
            sigs.Add(sig);
        }
        var envelope = new JsonObject
        {
            ["payloadType"] = payloadType,
            ["payload"] = Convert.ToBase64String(payload),
            ["signatures"] = sigs,
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    /// <summary>Our statement (or any JSON) as the payload, signed by each signer under its own key id.</summary>
    public static byte[] Envelope(JsonNode statement, params PemSigner[] signers) =>
        Envelope(
            Statement.PayloadType,
            JsonSerializer.SerializeToUtf8Bytes(statement),
            [.. signers.Select(s => ((IAttestationSigner)s, (string?)s.KeyId))]
        );
}
