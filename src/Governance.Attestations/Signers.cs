using System.Security.Cryptography;

namespace Governance.Attestations;

/// <summary>
/// A private key that signs DSSE envelopes (approval attestations, signed status lists). Implementations: a PEM file
/// (<see cref="PemSigner"/>) and a PKCS#11 token (an HSM; SoftHSM2 in tests); a cloud KMS (AWS KMS <c>Sign</c> with
/// <c>ECDSA_SHA_256</c>, Azure Key Vault <c>sign</c> with <c>ES256</c>, Google Cloud KMS <c>asymmetricSign</c>) would be
/// another: each signs a SHA-256 digest without exposing the key. Disposing releases what the signer holds (key material
/// in memory, a token session).
/// </summary>
public interface IAttestationSigner : IDisposable
{
    /// <summary>The RFC 7638 JWK thumbprint of the public key: the <c>keyid</c> of the signatures and the <c>kid</c> in the JWKS.</summary>
    string KeyId { get; }

    /// <summary>The JOSE algorithm (RFC 7518 §3.1, RFC 8037): <see cref="SigningAlgorithms.ES256"/> or
    /// <see cref="SigningAlgorithms.EdDSA"/>.</summary>
    string Algorithm { get; }

    /// <summary>Signs <paramref name="data"/> (the DSSE pre-authentication encoding). ES256: ECDSA P-256 over SHA-256 as an ASN.1
    /// DER sequence (what <c>openssl dgst -sha256 -verify</c> reads); EdDSA: the 64-byte Ed25519 signature.</summary>
    /// <exception cref="CryptographicException">The key cannot sign (destroyed, token removed).</exception>
    byte[] Sign(byte[] data);
}

/// <summary>The signing algorithms of the product, by their JOSE names.</summary>
public static class SigningAlgorithms
{
    /// <summary>ECDSA on P-256 with SHA-256 (RFC 7518 §3.4); the attestation keys.</summary>
    public const string ES256 = nameof(ES256);

    /// <summary>Ed25519 (RFC 8032, named EdDSA in RFC 8037); the tamper-evident log's checkpoints.</summary>
    public const string EdDSA = nameof(EdDSA);
}

/// <summary>An ECDSA P-256 key held in memory from a PEM file: the file implementation of the signer.</summary>
public sealed class PemSigner(string keyId, ECDsa key) : IAttestationSigner
{
    public string KeyId { get; } = keyId;

    public string Algorithm => SigningAlgorithms.ES256;

    public ECDsa Key { get; } = key;

    public byte[] Sign(byte[] data) => Key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => Key.Dispose();
}
