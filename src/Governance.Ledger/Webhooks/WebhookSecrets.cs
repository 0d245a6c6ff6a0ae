using System.Security.Cryptography;
using System.Text;

namespace Governance.Ledger.Webhooks;

/// <summary>A subscription's signing secret as kept in PostgreSQL: AES-256-GCM ciphertext under the host's webhook secret key
/// (a file, never in the database), bound to the subscription id as associated data so a row copied onto another subscription
/// does not decrypt. Mutable: rotation overwrites it; removal deletes it.</summary>
/// <param name="Id">The subscription id.</param>
/// <param name="KeyId">Which key encrypted it (<see cref="WebhookSecretKey.Id"/>), so a changed key file is reported, not
/// misread.</param>
public sealed record StoredWebhookSecret(string Id, string KeyId, byte[] Nonce, byte[] Ciphertext, byte[] Tag);

/// <summary>
/// The key that encrypts webhook signing secrets at rest: 32 random bytes, base64 in a file the host names
/// (Governance:Webhooks:SecretKeyFile), kept outside PostgreSQL like the attestation and token keys, so a database dump or
/// backup alone does not reveal any receiver's secret. Every API process that delivers must read the same file.
/// </summary>
public sealed class WebhookSecretKey
{
    private readonly byte[] _key;

    private WebhookSecretKey(byte[] key)
    {
        _key = key;
        Id = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    /// <summary>The key's identifier: the first 16 hex digits of its SHA-256 (not secret).</summary>
    public string Id { get; }

    /// <summary>Reads the key file (base64 of 32 bytes); with <paramref name="createIfMissing"/> (development, tests) a missing
    /// file is created with a fresh random key, readable by its owner only.</summary>
    /// <exception cref="InvalidOperationException">The file is missing (and may not be created) or does not hold 32 bytes.</exception>
    public static WebhookSecretKey Load(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
                throw new InvalidOperationException($"The webhook secret key file {path} does not exist.");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
                File.Delete(temporary);
            }
        }
        var key = new byte[33];
        return Convert.TryFromBase64String(File.ReadAllText(path).Trim(), key, out var length) && length == 32
            ? new WebhookSecretKey(key[..32])
            : throw new InvalidOperationException($"The webhook secret key file {path} must hold the base64 of 32 random bytes.");
    }

    /// <summary>Encrypts a secret's key bytes for <paramref name="subscriptionId"/>.</summary>
    public StoredWebhookSecret Seal(string subscriptionId, ReadOnlySpan<byte> secret)
    {
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[secret.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(_key, tag.Length);
        aes.Encrypt(nonce, secret, ciphertext, tag, Encoding.UTF8.GetBytes(subscriptionId));
        return new StoredWebhookSecret(subscriptionId, Id, nonce, ciphertext, tag);
    }

    /// <summary>The secret's key bytes.</summary>
    /// <exception cref="InvalidOperationException">Encrypted under another key, or altered (the GCM tag does not verify).</exception>
    public byte[] Open(StoredWebhookSecret stored)
    {
        if (stored.KeyId != Id)
            throw new InvalidOperationException(
                $"The secret of {stored.Id} was encrypted under webhook key {stored.KeyId}, not the configured {Id}."
            );
        var secret = new byte[stored.Ciphertext.Length];
        using var aes = new AesGcm(_key, stored.Tag.Length);
        try
        {
            aes.Decrypt(stored.Nonce, stored.Ciphertext, stored.Tag, secret, Encoding.UTF8.GetBytes(stored.Id));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new InvalidOperationException($"The stored secret of {stored.Id} does not decrypt: it was altered.", e);
        }
        return secret;
    }
}
