using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Governance.Attestations;

/// <summary>
/// A public key a DSSE verifier trusts (<see cref="DsseVerifier"/>). DSSE leaves the signature algorithm to the signer
/// and verifier (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md, Sign()).
/// </summary>
public interface IDsseVerificationKey
{
    /// <summary>The id signatures name this key by (DSSE's KEYID, an unauthenticated hint).</summary>
    string KeyId { get; }

    /// <summary>Whether <paramref name="signature"/> is this key's signature over <paramref name="pae"/> (the
    /// pre-authentication encoding, <see cref="Dsse.PreAuthenticationEncoding"/>). A malformed signature is false, not
    /// an exception.</summary>
    bool Verify(byte[] pae, byte[] signature);
}

/// <summary>Our signatures (ES256): ECDSA over NIST P-256 and SHA-256, the signature an ASN.1 DER sequence of r and s, as
/// <see cref="IAttestationSigner"/> writes it and <c>openssl dgst -sha256 -verify</c> reads it. Owns
/// <paramref name="key"/>.</summary>
public sealed class Es256VerificationKey(string keyId, ECDsa key) : IDsseVerificationKey, IDisposable
{
    public string KeyId { get; } = keyId;

    public bool Verify(byte[] pae, byte[] signature) =>
        key.VerifyData(pae, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => key.Dispose();
}

/// <summary>Ed25519 (RFC 8032) over the whole pre-authentication encoding, a 64-byte signature; the DSSE test vectors'
/// keys.</summary>
/// <param name="publicKey">The 32-byte public key.</param>
/// <exception cref="ArgumentException">The public key is not 32 bytes.</exception>
public sealed class Ed25519VerificationKey(string keyId, byte[] publicKey) : IDsseVerificationKey
{
    private readonly Ed25519PublicKeyParameters _key = new(publicKey);

    public string KeyId { get; } = keyId;

    public bool Verify(byte[] pae, byte[] signature)
    {
        var verifier = new Ed25519Signer();
        verifier.Init(forSigning: false, _key);
        verifier.BlockUpdate(pae, 0, pae.Length);
        return verifier.VerifySignature(signature);
    }
}
