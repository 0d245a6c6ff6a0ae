using System.Security.Cryptography;
using Governance.Attestations;

namespace Governance.Ledger.Attestations;

/// <summary>
/// The ES256 keys that sign approval attestations, as PEM files in one folder (the host's
/// Governance:Attestations:KeysFolder; in Development and Testing, attestation-keys under the data folder, generated on
/// first use). The file "current" names the signing key; every other key is retired: still published, so earlier
/// attestations keep verifying after a rotation.
/// </summary>
public sealed class AttestationKeyRing
{
    private readonly string _folder;
    private readonly Lock _gate = new();

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <param name="folder">The keys folder; created owner-only (0700) if missing. Private key files are owner-only (0600),
    /// including those an earlier release wrote, so no other local user can read a signing key.</param>
    public AttestationKeyRing(string folder)
    {
        _folder = folder;
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(_folder);
        else
        {
            Directory.CreateDirectory(_folder, OwnerOnly | UnixFileMode.UserExecute);
            foreach (var file in Directory.GetFiles(_folder, "*.pem"))
                File.SetUnixFileMode(file, OwnerOnly);
        }
    }

    private static void WritePrivateKey(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(pem);
    }

    /// <summary>The current signer (an <see cref="IAttestationSigner"/>), creating the first key if the folder has none.</summary>
    public PemSigner Current()
    {
        lock (_gate)
        {
            var pointer = Path.Combine(_folder, "current");
            if (!File.Exists(pointer))
                return Rotate();
            var kid = File.ReadAllText(pointer).Trim();
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(Path.Combine(_folder, kid + ".pem")));
            return new PemSigner(kid, key);
        }
    }

    /// <summary>Makes a new current key; the previous one becomes retired but stays in the key set.</summary>
    public PemSigner Rotate()
    {
        lock (_gate)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var kid = Jwks.FromKey(key, "current").Kid;
            WritePrivateKey(Path.Combine(_folder, kid + ".pem"), key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(_folder, "current.tmp"), kid);
            File.Move(Path.Combine(_folder, "current.tmp"), Path.Combine(_folder, "current"), overwrite: true);
            return new PemSigner(kid, key);
        }
    }

    /// <summary>The public keys, current first, as a JWKS that model servers pin or fetch.</summary>
    public JwkSet PublicKeys()
    {
        using var current = Current();
        var keys = new List<Jwk> { Jwks.FromKey(current.Key, "current") };
        foreach (var file in Directory.GetFiles(_folder, "*.pem").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileNameWithoutExtension(file) == current.KeyId)
                continue;
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(file));
            keys.Add(Jwks.FromKey(key, "retired"));
        }
        return new JwkSet(keys);
    }
}
