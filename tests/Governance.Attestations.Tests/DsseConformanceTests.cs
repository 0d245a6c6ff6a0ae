using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Governance.Attestations.Tests.SignedApprovals;

namespace Governance.Attestations.Tests;

/// <summary>Our ES256 approvals under the DSSE rules the vectors test with Ed25519: either base64 alphabet, signatures
/// skipped when they fail, key ids as hints only, and thresholds counted in distinct keys.</summary>
public sealed class DsseConformanceTests : IDisposable
{
    private readonly PemSigner _signer = NewSigner();
    private readonly PemSigner _other = NewSigner();
    private const string OtherType = "application/vnd.example.approval+json";

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void Our_envelope_re_encoded_in_url_safe_base64_without_padding_verifies_and_keeps_the_issued_envelopes_digest()
    {
        // "~~~" is "fn5+" in standard base64, so the payload of a run of five has a '+' and its URL-safe form a '-'.
        var issued = Dsse.Sign(Approval(conditions: ["~~~~~"]), _signer);
        var urlSafe = JsonNode.Parse(Dsse.Serialize(issued))!;
        urlSafe["payload"] = Jwks.Base64Url(Convert.FromBase64String(issued.Payload));
        urlSafe["signatures"]![0]!["sig"] = Jwks.Base64Url(Convert.FromBase64String(issued.Signatures[0].Sig));
        Assert.Contains('-', urlSafe["payload"]!.GetValue<string>());

        var verification = Verify(Encoding.UTF8.GetBytes(urlSafe.ToJsonString()), Trusting(_signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal(Dsse.DigestOf(issued), verification.EnvelopeDigest);
    }

    [Fact]
    public void An_invalid_signature_by_a_trusted_key_is_skipped_and_a_valid_one_after_it_verifies()
    {
        var payload = ApprovalPayload();
        var envelope = Envelope(Statement.PayloadType, payload, (_other, _signer.KeyId), (_signer, _signer.KeyId));

        var verification = Verify(envelope, Trusting(_signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal(_signer.KeyId, verification.KeyId);
    }

    [Fact]
    public void A_signature_without_a_key_id_is_checked_against_every_trusted_key()
    {
        var payload = ApprovalPayload();

        var verification = Verify(Envelope(Statement.PayloadType, payload, (_signer, null)), Trusting(_other, _signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal(_signer.KeyId, verification.KeyId);
    }

    [Fact]
    public void Keys_of_other_types_in_the_trusted_set_are_ignored_even_by_a_signature_without_a_key_id()
    {
        var payload = ApprovalPayload();
        var trusted = JsonSerializer.Deserialize<JwkSet>(
            """{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"A"},"""
                + $$"""{{JsonSerializer.Serialize(Jwks.FromKey(_signer.Key, "current"))}}]}"""
        )!;

        var verification = Verify(Envelope(Statement.PayloadType, payload, (_signer, null)), trusted);

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal(_signer.KeyId, verification.KeyId);
    }

    [Fact]
    public void A_threshold_of_two_counts_distinct_trusted_keys_not_signatures()
    {
        var payload = Encoding.UTF8.GetBytes("{}");
        using var signerKey = TrustedKey(_signer);
        using var otherKey = TrustedKey(_other);
        IDsseVerificationKey[] keys = [signerKey, otherKey];
        DsseVerification Verify(params (IAttestationSigner, string?)[] signatures) =>
            DsseVerifier.Verify(Envelope(Statement.PayloadType, payload, signatures), [Statement.PayloadType], keys, threshold: 2);

        var oneKeyTwice = Verify((_signer, _signer.KeyId), (_signer, null));
        var twoKeys = Verify((_signer, _signer.KeyId), (_other, null));

        Assert.Equal("signature_threshold_unmet", oneKeyTwice.Code);
        Assert.True(twoKeys.Verified, twoKeys.Message);
        Assert.Equal([_signer.KeyId, _other.KeyId], twoKeys.KeyIds);
    }

    [Fact]
    public void The_dsse_layer_accepts_any_payload_type_its_caller_supports_but_the_approval_check_only_ours()
    {
        var payload = ApprovalPayload();
        var envelope = Envelope(OtherType, payload, (_signer, _signer.KeyId));
        using var key = TrustedKey(_signer);

        Assert.True(DsseVerifier.Verify(envelope, [Statement.PayloadType, OtherType], [key], threshold: 1).Verified);
        Assert.Equal("payload_type_unsupported", Verify(envelope, Trusting(_signer)).Code);
    }
}
