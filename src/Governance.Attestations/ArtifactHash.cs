using System.Security.Cryptography;

namespace Governance.Attestations;

/// <summary>Streams a file's SHA-256 without loading it whole; reports progress for large artifacts.</summary>
public static class ArtifactHash
{
    public const int BufferSize = 1 << 20;

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
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        while ((read = await file.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
            progress?.Report(total);
        }
        return ("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }
}
