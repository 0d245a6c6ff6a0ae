using System.Security.Cryptography;
using System.Text;

namespace Governance.Domain.Shared;

/// <summary>Content digests in the form <c>sha256:&lt;64 lower-case hex&gt;</c>, as OCI and in-toto write them.</summary>
public static class Digest
{
    public const string Sha256Prefix = "sha256:";

    public static bool IsSha256(string? value) =>
        value is { Length: 71 } && value.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase) && value.AsSpan(7).ContainsOnlyHex();

    /// <summary>Lower-cases a digest already checked by <see cref="IsSha256"/>, so equal content compares equal.</summary>
    public static string Normalize(string value) => value.ToLowerInvariant();

    public static string OfBytes(ReadOnlySpan<byte> bytes) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string OfText(string text) => OfBytes(Encoding.UTF8.GetBytes(text));
}

file static class SpanHex
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiHexDigit(c))
                return false;
        return true;
    }
}
