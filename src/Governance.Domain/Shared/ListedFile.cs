using Governance.Attestations;

namespace Governance.Domain.Shared;

/// <summary>
/// A file listed by its path, SHA-256 and size, as commands and events carry it: a dataset's file
/// (<see cref="Datasets.DatasetFile"/>), a file of a multi-file model artifact (<see cref="ModelVersions.ArtifactFile"/>).
/// A list of them is named by one manifest digest (<see cref="ListedFiles.ManifestDigestOf"/>).
/// </summary>
public interface IListedFile
{
    /// <summary>The path relative to the set's root, <c>/</c>-separated (rules: <see cref="FileManifest.PathProblems"/>).</summary>
    string Path { get; }

    /// <summary>The file's SHA-256: <c>sha256:</c> and 64 hexadecimal characters.</summary>
    string Sha256 { get; }

    /// <summary>The file's size in bytes, 0 to 2^53 - 1.</summary>
    long SizeBytes { get; }
}

/// <summary>What every list of <see cref="IListedFile"/> shares: its manifest digest.</summary>
public static class ListedFiles
{
    /// <summary>
    /// The manifest digest of the files (<see cref="FileManifest"/>, encoding <c>v2-jcs</c>): SHA-256 over the RFC 8785
    /// JSON of the files sorted by the UTF-8 bytes of their paths, as <c>sha256:&lt;64 lower-case hex&gt;</c>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A path, digest or size breaks the manifest's rules (<see cref="FileManifest.CanonicalBytes"/>); lists that passed
    /// <see cref="InputCheck.ListedFiles"/> never do.
    /// </exception>
    public static string ManifestDigestOf(IEnumerable<IListedFile> files) =>
        FileManifest.DigestOf(files.Select(f => new ManifestFile(f.Path, f.Sha256, f.SizeBytes)).ToArray());
}
