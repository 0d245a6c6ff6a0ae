using System.Security.Cryptography;

namespace Governance.Attestations;

public interface IAttestationSigner
{
    string KeyId { get; }

    /// <summary>ES256 over the bytes given, as an ASN.1 DER ECDSA signature (what openssl dgst -verify reads).</summary>
    byte[] Sign(byte[] data);
}

/// <summary>An ECDSA P-256 key held in a PEM file: the file/PEM implementation of the signer.</summary>
public sealed class PemSigner(string keyId, ECDsa key) : IAttestationSigner, IDisposable
{
    public string KeyId { get; } = keyId;
    public ECDsa Key { get; } = key;

    public byte[] Sign(byte[] data) => Key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => Key.Dispose();
}
