using System.Security.Cryptography;
using System.Text;

namespace Governance.Domain.Webhooks;

/// <summary>
/// Webhook signatures as the Standard Webhooks specification (v1.0.0, standardwebhooks.com) defines them, so receivers can use
/// its verifiers: the headers <c>webhook-id</c> (the message id, the same on every retry), <c>webhook-timestamp</c> (Unix
/// seconds of this attempt) and <c>webhook-signature</c> (<c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.body</c>
/// under the secret's key; several space-separated while a secret is rotated). The secret is written <c>whsec_</c> followed by
/// the base64 of 24 to 64 random bytes; the key is those bytes.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>The secret's key length range, in bytes (the specification's recommendation).</summary>
    public const int MinKeyBytes = 24;

    public const int MaxKeyBytes = 64;

    /// <summary>The replay window a receiver should enforce (the specification's default): a message whose timestamp is more than
    /// this far from the receiver's clock, either way, is refused. Each retry is signed afresh with its own timestamp.</summary>
    public static readonly TimeSpan ReplayTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The key of a <c>whsec_</c> secret, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static byte[]? ParseSecret(string? secret, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(secret))
            problem = $"is required: {SecretPrefix} followed by the base64 of {MinKeyBytes} to {MaxKeyBytes} random bytes";
        else if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            problem = $"must start with {SecretPrefix} (Standard Webhooks)";
        else
        {
            var key = new byte[secret.Length];
            if (!Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var length))
                problem = $"must be {SecretPrefix} followed by base64";
            else if (length is < MinKeyBytes or > MaxKeyBytes)
                problem = $"must encode {MinKeyBytes} to {MaxKeyBytes} bytes (it encodes {length})";
            else
                return key[..length];
        }
        return null;
    }

    /// <summary>A secret's fingerprint, safe to record and show: <c>sha256:</c> and the hex SHA-256 of its key, so an admin can
    /// tell which secret a subscription holds without the ledger keeping it.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(key));

    /// <summary>The <c>webhook-signature</c> value for one message: <c>v1,</c> + base64(HMAC-SHA256(key, id + "." + timestamp +
    /// "." + body)).</summary>
    /// <param name="timestamp">Unix time in seconds, as sent in <c>webhook-timestamp</c>.</param>
    public static string Sign(ReadOnlySpan<byte> key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>
    /// A receiver's check: the timestamp is within <paramref name="tolerance"/> of <paramref name="now"/> and one of the
    /// space-separated <c>v1</c> signatures matches (compared in constant time). Unknown versions are ignored.
    /// </summary>
    /// <returns>Null when the message verifies, else why not.</returns>
    public static string? Verify(
        ReadOnlySpan<byte> key,
        string? id,
        string? timestamp,
        string? signatures,
        ReadOnlySpan<byte> body,
        DateTimeOffset now,
        TimeSpan tolerance
    )
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        if (
            !long.TryParse(
                timestamp,
                System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture,
                out var seconds
            )
        )
            return "webhook-timestamp is not Unix seconds";
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
            return "webhook-timestamp is outside the replay window";
        var expected = Encoding.ASCII.GetBytes(Sign(key, id, seconds, body));
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (
                candidate.StartsWith("v1,", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected)
            )
                return null;
        return "no webhook-signature matches";
    }
}
