using System.Collections.Concurrent;
using System.Security.Cryptography;
using Governance.Attestations;
using Microsoft.Win32.SafeHandles;

namespace Governance.Serving;

/// <summary>
/// The files of a verified model directory as a load delegate reads them: exactly the bytes that were hashed. A directory
/// of at most <see cref="ServingOptions.MaxInMemoryArtifactBytes"/> in all is read once into memory; a larger one is read
/// through handles kept open from hashing to loading. Valid only during the load delegate; disposed after it.
/// </summary>
public sealed class VerifiedFiles : IDisposable
{
    private sealed record Captured(byte[]? Bytes, SafeFileHandle? Handle, long Size);

    private readonly bool _inMemory;
    private readonly ConcurrentDictionary<string, Captured> _captured = new(StringComparer.Ordinal);

    internal VerifiedFiles(bool inMemory) => _inMemory = inMemory;

    /// <summary>The directory's manifest: each file's relative path, <c>sha256:</c> digest and size in bytes.</summary>
    public IReadOnlyList<ManifestFile> Files { get; internal set; } = [];

    /// <summary>A new read-only, seekable stream over the verified bytes of one file, from its start.</summary>
    /// <param name="path">The file's path relative to the directory, <c>/</c>-separated, as in <see cref="Files"/>.</param>
    /// <exception cref="FileNotFoundException">The path is not a file of the verified directory.</exception>
    public Stream Open(string path)
    {
        if (_captured.TryGetValue(path, out var captured))
            return captured.Bytes is { } bytes
                ? new MemoryStream(bytes, writable: false)
                : new HandleStream(captured.Handle!, captured.Size);
        return Files.Any(f => f.Path == path && f.Size == 0)
            ? new MemoryStream([], writable: false)
            : throw new FileNotFoundException($"'{path}' is not a file of the verified model directory.", path);
    }

    /// <summary>Hashes one file, keeping its bytes (in memory) or its open handle (otherwise) for <see cref="Open"/>.</summary>
    internal async Task<(string Digest, long Size)> CaptureAsync(DirectoryFile file, CancellationToken ct)
    {
        var handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        if (!_inMemory)
        {
            _captured[file.Path] = new Captured(null, handle, 0);
            var (digest, size) = await ArtifactHash.OfStreamAsync(new HandleStream(handle, long.MaxValue), ct: ct);
            _captured[file.Path] = new Captured(null, handle, size);
            return (digest, size);
        }
        using (handle)
        {
            var copy = new MemoryStream(checked((int)file.Size));
            await new HandleStream(handle, long.MaxValue).CopyToAsync(copy, ArtifactHash.BufferSize, ct);
            var bytes = copy.Length == copy.Capacity ? copy.GetBuffer() : copy.ToArray();
            _captured[file.Path] = new Captured(bytes, null, bytes.LongLength);
            return ("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.LongLength);
        }
    }

    public void Dispose()
    {
        foreach (var captured in _captured.Values)
            captured.Handle?.Dispose();
    }

    /// <summary>Reads a file handle at its own position (positional reads), up to <c>length</c> bytes or the end of the file.</summary>
    private sealed class HandleStream(SafeFileHandle handle, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = RandomAccess.Read(handle, buffer[..Allowed(buffer.Length)], _position);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[..Allowed(buffer.Length)], _position, ct);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override long Seek(long offset, SeekOrigin origin) =>
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };

        public override void Flush() { }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Allowed(int wanted) => (int)Math.Clamp(length - _position, 0, wanted);
    }
}

/// <summary>
/// Multi-file model artifacts: a model directory is verified as the manifest of its files (<see cref="ArtifactDirectory"/>,
/// the same RFC 8785 encoding as dataset manifests), whose digest the approval's subject names and whose files its predicate
/// lists (<see cref="ModelApprovalPredicate.ArtifactFiles"/>). Files are hashed in parallel, at most the processor count at a
/// time. Refusals, besides those of a one-file artifact: <c>artifact_symlink</c>, <c>artifact_path_invalid</c> and
/// <c>artifact_unreadable</c> about the directory itself (logged, not reported: no digest can be computed), and
/// <c>artifact_path_traversal</c>, <c>artifact_file_missing</c>, <c>artifact_file_extra</c> and <c>artifact_file_changed</c>
/// against a validly signed approval's list (reported with the directory's digest), before <c>digest_mismatch</c>.
/// </summary>
public sealed partial class ApprovedModelLoader
{
    /// <summary>
    /// Verifies and loads a model directory: every file is read once (into memory when the directory holds at most
    /// <see cref="ServingOptions.MaxInMemoryArtifactBytes"/>), hashed, the manifest verified, and <paramref name="load"/>
    /// reads exactly the bytes that were hashed through <see cref="VerifiedFiles.Open"/>, before they are released.
    /// </summary>
    /// <param name="directory">The model directory; it may be reached through a symbolic link, but may hold none.</param>
    /// <exception cref="ModelLoadRefusedException">Not loaded, for the reason in its code.</exception>
    public async Task<(T Model, VerifiedArtifact Artifact)> LoadDirectoryAsync<T>(
        string directory,
        byte[] envelope,
        IntendedModel intended,
        Func<VerifiedFiles, T> load,
        CancellationToken ct = default
    )
    {
        var listing = ListDirectory(directory, intended);
        using var files = new VerifiedFiles(listing.Sum(f => f.Size) <= options.MaxInMemoryArtifactBytes);
        files.Files = await HashDirectoryAsync(listing, files.CaptureAsync, intended, ct);
        var verified = await VerifyManifestAsync(files.Files, envelope, intended, ct);
        return (load(files), verified);
    }

    /// <summary>Verifies a model directory on disk (for models another process loads), hashing its files in parallel.</summary>
    /// <exception cref="ModelLoadRefusedException">Refused, for the reason in its code.</exception>
    public async Task<VerifiedArtifact> VerifyDirectoryAsync(
        string directory,
        byte[] envelope,
        IntendedModel intended,
        CancellationToken ct = default
    ) =>
        await VerifyManifestAsync(await HashDirectoryAsync(ListDirectory(directory, intended), null, intended, ct), envelope, intended, ct);

    private IReadOnlyList<DirectoryFile> ListDirectory(string directory, IntendedModel intended)
    {
        try
        {
            return ArtifactDirectory.List(directory);
        }
        catch (ArtifactDirectoryException refused)
        {
            throw RefuseUnreported(intended, refused.Code, refused.Message);
        }
    }

    private async Task<IReadOnlyList<ManifestFile>> HashDirectoryAsync(
        IReadOnlyList<DirectoryFile> listing,
        Func<DirectoryFile, CancellationToken, Task<(string Digest, long Size)>>? hashOne,
        IntendedModel intended,
        CancellationToken ct
    )
    {
        try
        {
            return await ArtifactDirectory.HashAsync(listing, hashOne, ct: ct);
        }
        catch (ArtifactDirectoryException refused)
        {
            throw RefuseUnreported(intended, refused.Code, refused.Message);
        }
    }

    /// <summary>
    /// Names the file at fault when a validly signed approval lists other files, then verifies the manifest's digest as any
    /// artifact's (signature, subject, scope, expiry, the ledger's standing), which reports the load or the refusal.
    /// </summary>
    private async Task<VerifiedArtifact> VerifyManifestAsync(
        IReadOnlyList<ManifestFile> manifest,
        byte[] envelope,
        IntendedModel intended,
        CancellationToken ct
    )
    {
        var digest = FileManifest.DigestOf(manifest);
        var expected = new Expectation(digest, options.Environment, intended.Model, intended.Version);
        if (
            ArtifactDirectory.SignedApproval(envelope, expected, await TrustedKeys(intended, digest, ct), clock.GetUtcNow())
                is { ArtifactFiles: { } approved } approval
            && ArtifactDirectory.Compare(approved, manifest) is var (code, message)
        )
            throw await Refuse(intended, digest, approval.ApprovalId, code, message, ct);
        return await VerifyAsync(digest, manifest.Sum(f => f.Size), envelope, intended, ct);
    }
}
