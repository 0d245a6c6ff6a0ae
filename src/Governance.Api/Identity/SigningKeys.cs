using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Governance.Api.Hosting;

namespace Governance.Api.Identity;

/// <summary>
/// The token signing and encryption certificates. In production they come from configuration (PFX or PEM paths);
/// in Development and Testing they are generated once and kept under the git-ignored data folder, so tokens survive restarts.
/// </summary>
public static class SigningKeys
{
    public sealed record Pair(X509Certificate2 Signing, X509Certificate2 Encryption);

    public static Pair Load(IConfiguration configuration, IHostEnvironment environment, string dataFolder)
    {
        var section = configuration.GetSection("Governance:Identity");
        var signing = FromConfiguration(section.GetSection("SigningCertificate"));
        var encryption = FromConfiguration(section.GetSection("EncryptionCertificate"));
        if (signing is not null && encryption is not null)
            return new Pair(signing, encryption);
        if (environment.IsProduction())
            throw new ConfigurationProblem(
                "Configure Governance:Identity:SigningCertificate and Governance:Identity:EncryptionCertificate (Path, optional Password "
                    + "or KeyPath for PEM): "
                    + "generated keys are only used in Development and Testing."
            );

        var folder = Path.Combine(dataFolder, "identity-keys");
        Directory.CreateDirectory(folder);
        return new Pair(
            signing ?? LoadOrCreate(Path.Combine(folder, "signing.pfx"), "Governance token signing", X509KeyUsageFlags.DigitalSignature),
            encryption
                ?? LoadOrCreate(Path.Combine(folder, "encryption.pfx"), "Governance token encryption", X509KeyUsageFlags.KeyEncipherment)
        );
    }

    private static X509Certificate2? FromConfiguration(IConfigurationSection section)
    {
        var path = section["Path"];
        if (string.IsNullOrEmpty(path))
            return null;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{section.Path}:Path points to a missing file", path);
        return path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase)
            ? X509Certificate2.CreateFromPemFile(path, section["KeyPath"])
            : X509CertificateLoader.LoadPkcs12FromFile(path, section["Password"], X509KeyStorageFlags.EphemeralKeySet);
    }

    private static X509Certificate2 LoadOrCreate(string path, string subject, X509KeyUsageFlags usage)
    {
        if (File.Exists(path))
            return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.EphemeralKeySet);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
        var pfx = certificate.Export(X509ContentType.Pfx);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, pfx);
        File.Move(temporary, path, overwrite: false);
        return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
