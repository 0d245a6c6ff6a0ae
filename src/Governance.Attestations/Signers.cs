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

/// <summary>An <see cref="SigningAlgorithms.EdDSA"/> signer whose public key is known: what signs the transparency log's
/// checkpoints (a PEM file, <see cref="Ed25519PemSigner"/>, or a PKCS#11 token).</summary>
public interface IEd25519Signer : IAttestationSigner
{
    /// <summary>The 32-byte Ed25519 public key (RFC 8032 §5.1.5).</summary>
    byte[] PublicKey { get; }
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

/// <summary>
/// An Ed25519 key held in memory from a PKCS#8 PEM file (<c>openssl genpkey -algorithm ed25519</c>): the file implementation of
/// an <see cref="SigningAlgorithms.EdDSA"/> signer, used for the transparency log's checkpoints (BouncyCastle's managed
/// Ed25519; .NET has none built in).
/// </summary>
public sealed class Ed25519PemSigner : IEd25519Signer
{
    private readonly Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters _key;

    private Ed25519PemSigner(Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters key)
    {
        _key = key;
        PublicKey = key.GeneratePublicKey().GetEncoded();
        KeyId = Jwks.Ed25519Thumbprint(PublicKey);
    }

    /// <summary>Reads a PKCS#8 <c>PRIVATE KEY</c> PEM file holding an Ed25519 key.</summary>
    /// <exception cref="CryptographicException">The file holds no PEM private key, or the key is not Ed25519.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Ed25519PemSigner Load(string path)
    {
        var pem = File.ReadAllText(path);
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not "PRIVATE KEY")
            throw new CryptographicException($"{path} holds no PKCS#8 PRIVATE KEY PEM block");
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return
            Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(der) is Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters key
            ? new Ed25519PemSigner(key)
            : throw new CryptographicException($"{path} does not hold an Ed25519 key");
    }

    /// <summary>Writes a new Ed25519 key to <paramref name="path"/> as PKCS#8 PEM (created, never overwritten; mode 0600 on
    /// Unix).</summary>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public static void Generate(string path)
    {
        var key = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom());
        var der = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        file.Write(PemEncoding.Write("PRIVATE KEY", der));
        file.Write('\n');
    }

    public string KeyId { get; }

    public string Algorithm => SigningAlgorithms.EdDSA;

    public byte[] PublicKey { get; }

    public byte[] Sign(byte[] data)
    {
        var signer = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
        signer.Init(true, _key);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    public void Dispose() { }
}
