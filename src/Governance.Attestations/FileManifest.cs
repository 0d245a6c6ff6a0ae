using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Governance.Attestations;

/// <summary>One file of a manifest.</summary>
/// <param name="Path">Relative, <c>/</c>-separated path (see <see cref="FileManifest.PathProblems"/>).</param>
/// <param name="Sha256">SHA-256 of the file's bytes as the product writes digests: <c>sha256:</c> and 64 hexadecimal characters.</param>
/// <param name="Size">Size in bytes, 0 to 2^53 - 1.</param>
public sealed record ManifestFile(string Path, string Sha256, long Size);

/// <summary>
/// The manifest of a set of files (a dataset's files; a multi-file model artifact) and its digest, encoding
/// <see cref="Encoding"/>: SHA-256 over the RFC 8785 (JCS) bytes of
/// <c>{"files":[{"path":"…","sha256":"&lt;64 lower-case hex&gt;","size":&lt;bytes&gt;},…]}</c>, the files sorted by the
/// UTF-8 bytes of their paths. JSON string escaping makes the encoding injective: no path can forge another file's entry,
/// as a newline could in the earlier line-based text manifest. <c>docs/manifests.md</c> shows how to recompute it.
/// </summary>
public static class FileManifest
{
    /// <summary>The name of this encoding, as recorded next to a digest (<c>manifestEncoding</c>).</summary>
    public const string Encoding = "v2-jcs";

    /// <summary>The longest path, in UTF-16 code units.</summary>
    public const int MaxPathLength = 1000;

    /// <summary>The largest size: 2^53 - 1, the largest integer RFC 8785's doubles hold exactly.</summary>
    public const long MaxSize = (1L << 53) - 1;

    /// <summary>
    /// Each path's problem, by index into <paramref name="paths"/>: a path is required, at most
    /// <see cref="MaxPathLength"/> characters, text as <see cref="TextRules"/> says for one line (NFC; no control,
    /// bidirectional-control or zero-width character), relative (no leading <c>/</c>, no drive letter), separated by
    /// <c>/</c> (no <c>\</c>), with no empty, <c>.</c> or <c>..</c> segment; and no two paths are equal, or equal under
    /// case folding (simple Unicode case mapping: upper- then lower-case, invariant culture; ß and ss are not folded together).
    /// </summary>
    public static IReadOnlyList<(int Index, string Problem)> PathProblems(IReadOnlyList<string?> paths)
    {
        var problems = new List<(int, string)>();
        var firstByFold = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            if (PathProblem(paths[i]) is { } problem)
                problems.Add((i, problem));
            else if (!firstByFold.TryAdd(Fold(paths[i]!), i))
            {
                var first = firstByFold[Fold(paths[i]!)];
                problems.Add(
                    (
                        i,
                        paths[first] == paths[i]
                            ? $"is the same path as files[{first}].path"
                            : $"differs from files[{first}].path only in letter case, which case-insensitive file systems merge"
                    )
                );
            }
        }
        return problems;
    }

    /// <summary>The canonical manifest bytes (RFC 8785 JSON, UTF-8), files sorted by the UTF-8 bytes of their paths.</summary>
    /// <exception cref="ArgumentException">
    /// A path breaks <see cref="PathProblems"/>, a digest is not <c>sha256:</c> and 64 hexadecimal characters, or a size
    /// is outside 0 to <see cref="MaxSize"/>; the message names the file (<c>files[2].path</c>, by the caller's order).
    /// </exception>
    public static byte[] CanonicalBytes(IReadOnlyList<ManifestFile> files)
    {
        var problems = PathProblems(files.Select(f => (string?)f.Path).ToArray())
            .Select(p => $"files[{p.Index}].path: {p.Problem}")
            .ToList();
        for (var i = 0; i < files.Count; i++)
        {
            if (!IsSha256(files[i].Sha256))
                problems.Add($"files[{i}].sha256: must be 'sha256:' followed by 64 hexadecimal characters");
            if (files[i].Size is < 0 or > MaxSize)
                problems.Add($"files[{i}].size: must be between 0 and {MaxSize}");
        }
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(files));

        var sorted = files
            .Select(f => (Utf8: System.Text.Encoding.UTF8.GetBytes(f.Path), File: f))
            .OrderBy(f => f.Utf8, Utf8Order.Instance)
            .Select(f => new
            {
                path = f.File.Path,
                sha256 = f.File.Sha256[Sha256Prefix.Length..].ToLowerInvariant(),
                size = f.File.Size,
            });
        return Jcs.Canonicalize(JsonSerializer.SerializeToElement(new { files = sorted }));
    }

    /// <summary>The manifest digest: <c>sha256:</c> and the lower-case hex SHA-256 of <see cref="CanonicalBytes"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="CanonicalBytes"/>.</exception>
    public static string DigestOf(IReadOnlyList<ManifestFile> files) =>
        Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes(files)));

    private const string Sha256Prefix = "sha256:";

    private static bool IsSha256(string? value) =>
        value is { Length: 71 }
        && value.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase)
        && !value.AsSpan(Sha256Prefix.Length).ContainsAnyExcept(HexDigits);

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private static string? PathProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return "is required";
        if (path.Length > MaxPathLength)
            return $"must be at most {MaxPathLength} characters";
        if (TextRules.Problem(path, multiline: false) is { } text)
            return text;
        if (path.Contains('\\'))
            return "must separate folders with '/', not '\\'";
        if (path.StartsWith('/') || path is [_, ':', ..] && char.IsAsciiLetter(path[0]))
            return "must be relative (no leading '/' or drive letter)";
        foreach (var segment in path.Split('/'))
            if (segment is "" or "." or "..")
                return "must not have an empty, '.' or '..' segment ('//', a trailing '/', './' or '../')";
        return null;
    }

    // Simple case folding as .NET offers it: upper then lower case maps 'ſ' and 's', 'ς' and 'σ' together.
    private static string Fold(string path) => path.ToUpperInvariant().ToLowerInvariant();

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
