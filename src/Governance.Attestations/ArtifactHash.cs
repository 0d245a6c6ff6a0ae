using System.Security.Cryptography;

namespace Governance.Attestations;

/// <summary>
/// The one streaming SHA-256 of the product (CLI, serving layer, web UI uploads): reads in 1 MiB blocks without loading
/// the whole artifact, reports the bytes read so far, and answers <c>sha256:&lt;64 lowercase hex&gt;</c> with the size in bytes.
/// </summary>
public static class ArtifactHash
{
    public const int BufferSize = 1 << 20;

    /// <summary>SHA-256 and size of a file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<(string Digest, long Size)> OfFileAsync(
        string path,
        IProgress<long>? progress = null,
        CancellationToken ct = default
    )
    {
        await using var file = new FileStream(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            BufferSize,
            FileOptions.SequentialScan | FileOptions.Asynchronous
        );
        return await OfStreamAsync(file, progress, ct);
    }

    /// <summary>SHA-256 and size of everything left in <paramref name="stream"/> (which is read to its end, not disposed).</summary>
    public static async Task<(string Digest, long Size)> OfStreamAsync(
        Stream stream,
        IProgress<long>? progress = null,
        CancellationToken ct = default
    )
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
            progress?.Report(total);
        }
        return ("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }
}
