using System.Security.Cryptography;
using Governance.Attestations;
using Governance.Domain.AttestationKeys;

namespace Governance.Ledger.Attestations;

/// <summary>The key files an earlier release left, which it recorded in no event: the one it signed with and the others.</summary>
/// <param name="CurrentSince">When the current key was made (its file's time): the best estimate of when the others retired.</param>
public sealed record EarlierReleaseKeys(NewAttestationKey Current, IReadOnlyList<NewAttestationKey> Retired, DateTimeOffset CurrentSince);

/// <summary>
/// Where the private parts of the attestation keys live: a folder of PEM files (<see cref="PemKeyStore"/>) or a PKCS#11
/// token (<see cref="Pkcs11KeyStore"/>). A cloud KMS would be a third implementation: generate (CreateKey), open (a signer
/// calling its Sign API over a SHA-256 digest), destroy (ScheduleKeyDeletion). Which key is current, and each key's
/// window, is the ledger's record (<see cref="AttestationKeyRing"/>), never the store's.
/// </summary>
public interface IAttestationKeyStore
{
    /// <summary>The store's kind as recorded on key events: <c>file</c> or <c>pkcs11</c>.</summary>
    string Kind { get; }

    /// <summary>Makes a new ES256 key pair in the store and answers its public part.</summary>
    /// <exception cref="CryptographicException">The store cannot make a key.</exception>
    NewAttestationKey Generate();

    /// <summary>A signer for a key the store holds.</summary>
    /// <exception cref="CryptographicException">The store has no private key <paramref name="keyId"/> (destroyed, or held by
    /// another store).</exception>
    IAttestationSigner Open(string keyId);

    /// <summary>Destroys a private key; a key the store does not hold is ignored.</summary>
    void Destroy(string keyId);

    /// <summary>The ids of the private keys the store holds.</summary>
    IReadOnlyList<string> KeyIds();

    /// <summary>Keys an earlier release of the product left without key events, or null (none, or a store that never had them).</summary>
    EarlierReleaseKeys? FindEarlierReleaseKeys();
}

/// <summary>
/// Private keys as PKCS#8 PEM files named <c>&lt;key id&gt;.pem</c> in one folder (Governance:Attestations:KeysFolder; in
/// Development and Testing, attestation-keys under the data folder). The folder is owner-only (0700) and each file 0600,
/// including files an earlier release wrote readable, so no other local user can read a signing key.
/// </summary>
public sealed class PemKeyStore : IAttestationKeyStore
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The pointer file of earlier releases, naming the key they signed with.</summary>
    private const string EarlierCurrentPointer = "current";

    private readonly string _folder;

    /// <param name="folder">The keys folder; created if missing.</param>
    public PemKeyStore(string folder)
    {
        _folder = folder;
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(_folder);
        else
        {
            Directory.CreateDirectory(_folder, OwnerOnly | UnixFileMode.UserExecute);
            File.SetUnixFileMode(_folder, OwnerOnly | UnixFileMode.UserExecute);
            foreach (var file in Directory.GetFiles(_folder, "*.pem"))
                File.SetUnixFileMode(file, OwnerOnly);
        }
    }

    public string Kind => "file";

    public NewAttestationKey Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = Jwks.KeyIdOf(key);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using (var writer = new StreamWriter(PathOf(kid), System.Text.Encoding.ASCII, options))
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        return Describe(key, kid);
    }

    public IAttestationSigner Open(string keyId)
    {
        var path = PathOf(keyId);
        if (!File.Exists(path))
            throw new CryptographicException($"The key folder {_folder} holds no private key {keyId}.");
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return new PemSigner(keyId, key);
    }

    /// <summary>Overwrites the file with zeros before deleting it, so that the key does not stay readable in the file's blocks
    /// (as far as the file system rewrites in place; copy-on-write file systems and SSD wear levelling may keep old blocks:
    /// use a PKCS#11 token where that matters).</summary>
    public void Destroy(string keyId)
    {
        var path = PathOf(keyId);
        if (!File.Exists(path))
            return;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Write(new byte[file.Length]);
            file.Flush(flushToDisk: true);
        }
        File.Delete(path);
    }

    public IReadOnlyList<string> KeyIds() =>
        Directory.GetFiles(_folder, "*.pem").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToArray();

    public EarlierReleaseKeys? FindEarlierReleaseKeys()
    {
        var pointer = Path.Combine(_folder, EarlierCurrentPointer);
        if (!File.Exists(pointer))
            return null;
        var currentId = File.ReadAllText(pointer).Trim();
        var keys = KeyIds().ToDictionary(kid => kid, Public);
        if (!keys.TryGetValue(currentId, out var current))
            return null;
        return new EarlierReleaseKeys(
            current,
            keys.Where(k => k.Key != currentId).Select(k => k.Value).ToArray(),
            File.GetLastWriteTimeUtc(PathOf(currentId))
        );
    }

    private NewAttestationKey Public(string keyId)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(PathOf(keyId)));
        return Describe(key, keyId);
    }

    private NewAttestationKey Describe(ECDsa key, string keyId) =>
        new(keyId, SigningAlgorithms.ES256, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), Kind);

    private string PathOf(string keyId) =>
        // Key ids are base64url thumbprints; anything else never names a file.
        keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? Path.Combine(_folder, keyId + ".pem")
            : throw new CryptographicException($"'{keyId}' is not a key id.");
}
