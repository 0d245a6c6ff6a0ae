using System.Security.Cryptography;
using Governance.Ledger.Attestations;

namespace Governance.Api.Tests;

/// <summary>A PKCS#11 token's raw r‖s signature, re-encoded as the DER our envelopes carry, verifies as the token signed it.</summary>
public sealed class EcdsaSignatureEncodingTests
{
    [Fact]
    public void A_signature_whose_r_or_s_starts_with_zero_bytes_is_encoded_minimal_and_verifies()
    {
        // About one signature in 512 has an r whose first byte is zero and whose second is below 0x80: its DER integer must
        // drop that byte. CI met one while the token signed (ArgumentException from AsnWriter); here one is searched for.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var checkedPadded = 0;
        for (var i = 0; i < 200_000 && checkedPadded < 3; i++)
        {
            var hash = SHA256.HashData(BitConverter.GetBytes(i));
            var raw = key.SignHash(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var padded = (raw[0] == 0 && raw[1] < 0x80) || (raw[32] == 0 && raw[33] < 0x80);
            if (!padded && i >= 100)
                continue;
            Assert.True(key.VerifyHash(hash, Pkcs11KeyStore.DerSignature(raw), DSASignatureFormat.Rfc3279DerSequence), $"signature {i}");
            checkedPadded += padded ? 1 : 0;
        }
        Assert.Equal(3, checkedPadded);
        Assert.Throws<ArgumentException>(() => Pkcs11KeyStore.DerSignature(new byte[63]));
    }
}
