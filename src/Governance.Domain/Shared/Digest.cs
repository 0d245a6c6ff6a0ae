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

    /// <summary>A digest as people paste it: <c>sha256:&lt;hex&gt;</c>, bare hex, or a line of GNU <c>sha256sum</c> output
    /// (<c>&lt;hex&gt;  file</c>, <c>&lt;hex&gt; *file</c> in binary mode, or a leading <c>\</c> when the file name needed escaping),
    /// normalized; null when the text's first word is not a SHA-256.</summary>
    public static string? FromPasted(string? text)
    {
        var first = (text ?? "").Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        first = first.TrimStart('\\');
        var candidate = first.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase) ? first : Sha256Prefix + first;
        return IsSha256(candidate) ? Normalize(candidate) : null;
    }

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
