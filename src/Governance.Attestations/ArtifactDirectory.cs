using System.Text.Json;

namespace Governance.Attestations;

/// <summary>A model directory refused for one specific, machine-readable reason (<see cref="ArtifactDirectory"/>'s codes).</summary>
public sealed class ArtifactDirectoryException(string code, string message) : Exception(message)
{
    /// <summary><c>artifact_unreadable</c>, <c>artifact_symlink</c> or <c>artifact_path_invalid</c>.</summary>
    public string Code { get; } = code;
}

/// <summary>A regular file found in a model directory.</summary>
/// <param name="Path">The path relative to the directory, <c>/</c>-separated, as the manifest names it.</param>
/// <param name="FullPath">The absolute path to open.</param>
/// <param name="Size">The size in bytes when the directory was listed.</param>
public sealed record DirectoryFile(string Path, string FullPath, long Size);

/// <summary>
/// A multi-file model artifact (a model directory) read as a file manifest (<see cref="FileManifest"/>, the encoding of
/// dataset manifests): its regular files listed by relative path, hashed in parallel, and compared with the files a
/// signed approval lists. Shared by the serving library (at load) and the CLI (register, verify).
/// Refusal codes: <c>artifact_unreadable</c> (no such directory, a file cannot be read, a file that is not a regular file
/// or directory), <c>artifact_symlink</c> (a symbolic link anywhere inside), <c>artifact_path_invalid</c> (a name a manifest
/// cannot hold, see <see cref="FileManifest.PathProblems"/>), and, against an approval's list,
/// <c>artifact_path_traversal</c>, <c>artifact_file_missing</c>, <c>artifact_file_extra</c> and <c>artifact_file_changed</c>.
/// </summary>
public static class ArtifactDirectory
{
    /// <summary>The SHA-256 of no bytes: a file listed with size 0 is not opened (a FIFO or device would block or never end).</summary>
    public const string EmptyDigest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Every regular file under <paramref name="root"/>, at any depth, ordered by path (ordinal). Symbolic links are never
    /// followed: one anywhere inside the directory is refused (the directory given may itself be reached through one, such
    /// as a <c>current</c> link). Empty folders are not files and are not listed.
    /// </summary>
    /// <exception cref="ArtifactDirectoryException">
    /// <c>artifact_unreadable</c>: no such directory, or a folder cannot be listed; <c>artifact_symlink</c>: a symbolic link
    /// inside; <c>artifact_path_invalid</c>: a name a manifest path cannot hold (control or bidirectional characters, a
    /// backslash, not NFC, two names equal under case folding, a path over 1,000 characters). Messages name the path.
    /// </exception>
    public static IReadOnlyList<DirectoryFile> List(string root)
    {
        var top = new DirectoryInfo(root);
        if (!top.Exists)
            throw new ArtifactDirectoryException("artifact_unreadable", $"The model directory {root} does not exist.");
        var files = new List<DirectoryFile>();
        var options = new EnumerationOptions
        {
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            RecurseSubdirectories = false,
            ReturnSpecialDirectories = false,
        };
        var pending = new Stack<(DirectoryInfo Folder, string Prefix)>([(top, "")]);
        while (pending.TryPop(out var next))
        {
            FileSystemInfo[] entries;
            try
            {
                entries = next.Folder.GetFileSystemInfos("*", options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArtifactDirectoryException(
                    "artifact_unreadable",
                    $"The folder '{next.Prefix}' of model directory {root} cannot be listed: {e.Message}"
                );
            }
            foreach (var entry in entries)
            {
                var path = next.Prefix + entry.Name;
                if (entry.LinkTarget is { } target)
                    throw new ArtifactDirectoryException(
                        "artifact_symlink",
                        $"'{path}' in model directory {root} is a symbolic link (to '{target}'); a model directory holds only "
                            + "regular files and folders, so that every byte verified is inside it."
                    );
                if (entry is DirectoryInfo folder)
                    pending.Push((folder, path + "/"));
                else
                    files.Add(new DirectoryFile(path, entry.FullName, ((FileInfo)entry).Length));
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var problems = FileManifest.PathProblems(files.Select(f => (string?)f.Path).ToArray());
        if (problems.Count > 0)
            throw new ArtifactDirectoryException(
                "artifact_path_invalid",
                $"Model directory {root} holds names a manifest cannot hold: "
                    + string.Join("; ", problems.Take(5).Select(p => $"'{TextRules.Printable(files[p.Index].Path)}' {p.Problem}"))
                    + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : "")
            );
        return files;
    }

    /// <summary>
    /// The manifest entries of <paramref name="files"/>, in their order, hashing at most
    /// <paramref name="maxDegreeOfParallelism"/> files at a time (default: the processor count). A file of size 0 when listed
    /// is not opened (<see cref="EmptyDigest"/>). <paramref name="hashOne"/> hashes one file and answers its digest
    /// (<c>sha256:</c> and 64 lower-case hex) and the bytes it read; by default <see cref="ArtifactHash.OfFileAsync"/>.
    /// </summary>
    /// <exception cref="ArtifactDirectoryException"><c>artifact_unreadable</c>: a file cannot be read; the message names it.</exception>
    public static async Task<IReadOnlyList<ManifestFile>> HashAsync(
        IReadOnlyList<DirectoryFile> files,
        Func<DirectoryFile, CancellationToken, Task<(string Digest, long Size)>>? hashOne = null,
        int? maxDegreeOfParallelism = null,
        CancellationToken ct = default
    )
    {
        hashOne ??= (file, token) => ArtifactHash.OfFileAsync(file.FullPath, null, token);
        var hashed = new ManifestFile[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = ct },
            async (i, token) =>
            {
                if (files[i].Size == 0)
                {
                    hashed[i] = new ManifestFile(files[i].Path, EmptyDigest, 0);
                    return;
                }
                try
                {
                    var (digest, size) = await hashOne(files[i], token);
                    hashed[i] = new ManifestFile(files[i].Path, digest, size);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ArtifactDirectoryException("artifact_unreadable", $"'{files[i].Path}' cannot be read: {e.Message}");
                }
            }
        );
        return hashed;
    }

    /// <summary><see cref="List"/> then <see cref="HashAsync"/> with the default hashing: the manifest of a directory on disk.</summary>
    /// <exception cref="ArtifactDirectoryException">As <see cref="List"/> and <see cref="HashAsync"/>.</exception>
    public static async Task<IReadOnlyList<ManifestFile>> ManifestOfAsync(string root, CancellationToken ct = default) =>
        await HashAsync(List(root), ct: ct);

    /// <summary>
    /// Why the files found are not the files an approval lists, or null when they are the same paths with the same digests
    /// and sizes. Checked in this order, each naming up to five paths: a listed path that is absolute or has a <c>..</c>
    /// segment (<c>artifact_path_traversal</c>) or breaks another manifest rule (<c>artifact_path_invalid</c>); a listed file
    /// not found (<c>artifact_file_missing</c>); a file found that is not listed (<c>artifact_file_extra</c>); a file whose
    /// digest or size differs (<c>artifact_file_changed</c>). Paths compare exactly (ordinal), digests ignoring hex case.
    /// </summary>
    public static (string Code, string Message)? Compare(IReadOnlyList<ManifestFile> approved, IReadOnlyList<ManifestFile> found)
    {
        var problems = FileManifest.PathProblems(approved.Select(f => (string?)f.Path).ToArray());
        var traversal = problems.Where(p => EscapesRoot(approved[p.Index].Path)).ToArray();
        if (traversal.Length > 0)
            return (
                "artifact_path_traversal",
                $"The approval lists {Name(traversal.Select(p => approved[p.Index].Path).ToArray())} outside the model directory "
                    + "(an absolute path or a '..' segment); nothing outside it is read."
            );
        if (problems.Count > 0)
            return (
                "artifact_path_invalid",
                "The approval lists paths a manifest cannot hold: "
                    + string.Join("; ", problems.Take(5).Select(p => $"'{TextRules.Printable(approved[p.Index].Path)}' {p.Problem}"))
            );

        var foundByPath = found.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var approvedPaths = approved.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var missing = approved.Where(f => !foundByPath.ContainsKey(f.Path)).Select(f => f.Path).ToArray();
        if (missing.Length > 0)
            return (
                "artifact_file_missing",
                $"The approved file{Plural(missing)} {Name(missing)} {Is(missing)} not in the model directory."
            );
        var extra = found.Where(f => !approvedPaths.Contains(f.Path)).Select(f => f.Path).ToArray();
        if (extra.Length > 0)
            return (
                "artifact_file_extra",
                $"The model directory holds {Name(extra)}, which the approval does not list; a model directory must hold exactly "
                    + "the approved files."
            );
        var changed = approved
            .Where(f =>
                foundByPath[f.Path] is var actual
                && (actual.Size != f.Size || !string.Equals(actual.Sha256, f.Sha256, StringComparison.OrdinalIgnoreCase))
            )
            .Select(f =>
                $"'{TextRules.Printable(f.Path)}' (approved {f.Sha256}, {f.Size} bytes; found {foundByPath[f.Path].Sha256}, "
                + $"{foundByPath[f.Path].Size} bytes)"
            )
            .ToArray();
        if (changed.Length > 0)
            return ("artifact_file_changed", $"Changed since approval: {string.Join("; ", changed.Take(5))}{More(changed)}.");
        return null;
    }

    /// <summary>
    /// The approval a DSSE envelope states, when it verifies against <paramref name="trusted"/> keys for the scope of
    /// <paramref name="expected"/> (environment, model, version, expiry) and for the artifact digest its own subject names;
    /// null when it does not (the caller's full verification then says why). It is what a verifier compares a model
    /// directory with (<see cref="ModelApprovalPredicate.ArtifactFiles"/>) to name the file at fault before concluding
    /// <c>digest_mismatch</c>: only a validly signed list is ever used.
    /// </summary>
    public static ModelApprovalPredicate? SignedApproval(byte[] envelope, Expectation expected, JwkSet trusted, DateTimeOffset now)
    {
        // The DSSE layer decodes the payload as verifiers must (either base64 alphabet) and only once it is validly signed.
        var dsse = DsseVerifier.Verify(envelope, Statement.PayloadType, trusted);
        if (!dsse.Verified)
            return null;
        string? subject;
        try
        {
            var statement = JsonSerializer.Deserialize<Statement>(dsse.Payload!, AttestationJson.Options);
            subject = statement?.Subjects?.FirstOrDefault(s => s?.Digest?.ContainsKey("sha256") == true)?.Digest["sha256"];
        }
        catch (JsonException)
        {
            return null;
        }
        if (subject is null)
            return null;
        var verification = AttestationVerifier.Verify(envelope, expected with { ArtifactDigest = "sha256:" + subject }, trusted, now);
        return verification.Verified ? verification.Approval : null;
    }

    private static bool EscapesRoot(string? path) =>
        path is not null
        && (
            path.StartsWith('/')
            || path.StartsWith('\\')
            || path is [_, ':', ..] && char.IsAsciiLetter(path[0])
            || path.Split('/', '\\').Contains("..")
        );

    private static string Name(string[] paths) => string.Join(", ", paths.Take(5).Select(p => $"'{TextRules.Printable(p)}'")) + More(paths);

    private static string More<T>(T[] items) => items.Length > 5 ? $" and {items.Length - 5} more" : "";

    private static string Plural<T>(T[] items) => items.Length == 1 ? "" : "s";

    private static string Is<T>(T[] items) => items.Length == 1 ? "is" : "are";
}
