using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Attestations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Governance.Serving.Tests;

/// <summary>A model directory verified as the manifest of its files, against the files its signed approval lists.</summary>
public sealed class ModelDirectoryTests : IDisposable
{
    private readonly LoaderFixture _given = new();
    private static readonly IntendedModel Intended = new(LoaderFixture.Model, LoaderFixture.Version);
    private readonly string _directory;

    /// <summary>The approved directory: an ML model and its feature map, one of them in a folder.</summary>
    private static readonly Dictionary<string, byte[]> Approved = new()
    {
        ["model.zip"] = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("tree weights ", 4000))),
        ["features/feature-map.json"] = Encoding.UTF8.GetBytes("""{"duration_months":"Duration"}"""),
    };

    public ModelDirectoryTests()
    {
        _directory = Path.Combine(_given.Folder, "credit-model");
        foreach (var (path, bytes) in Approved)
            Write(path, bytes);
    }

    public void Dispose() => _given.Dispose();

    private void Write(string path, byte[] bytes)
    {
        var full = Path.Combine(_directory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    private static ManifestFile Entry(string path, byte[] bytes) =>
        new(path, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.LongLength);

    private static IReadOnlyList<ManifestFile> ApprovedFiles => Approved.Select(f => Entry(f.Key, f.Value)).ToArray();

    /// <summary>An envelope approving <paramref name="files"/> (the approved directory by default), with the ledger's
    /// matching record of it; signed by the fixture's trusted key unless <paramref name="signer"/> says otherwise.</summary>
    private byte[] Approve(IReadOnlyList<ManifestFile>? files = null, IAttestationSigner? signer = null)
    {
        files ??= ApprovedFiles;
        var digest = FileManifest.DigestOf(files.Where(f => !f.Path.Contains("..") && !f.Path.StartsWith('/')).ToArray());
        var statement = _given.Statement(digest: digest);
        var envelope = _given.Envelope(
            statement with
            {
                Predicate = statement.Predicate with { ArtifactFiles = files },
            },
            signer ?? _given.Signer
        );
        _given.Ledger.Standings["approval-1"] = _given.Standing("approval-1", "Approved", expiresAt: _given.Clock.Now.AddDays(90)) with
        {
            ArtifactDigest = digest,
            AttestationDigest = Dsse.DigestOf(JsonSerializer.Deserialize<Envelope>(envelope, AttestationJson.Options)!),
        };
        return envelope;
    }

    private ApprovedModelLoader Loader(long maxInMemoryBytes = 512L * 1024 * 1024) =>
        new(
            new ServingOptions
            {
                Environment = LoaderFixture.Environment,
                Host = "scorer-test",
                PinnedKeys = _given.Ledger.Keys,
                MaxInMemoryArtifactBytes = maxInMemoryBytes,
            },
            _given.Ledger,
            _given.Clock,
            NullLogger<ApprovedModelLoader>.Instance
        );

    private static Dictionary<string, byte[]> ReadAll(VerifiedFiles files) =>
        files.Files.ToDictionary(
            f => f.Path,
            f =>
            {
                using var stream = files.Open(f.Path);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            }
        );

    private async Task<ModelLoadRefusedException> Refused(byte[] envelope, string? directory = null) =>
        await Assert.ThrowsAsync<ModelLoadRefusedException>(() =>
            Loader().LoadDirectoryAsync(directory ?? _directory, envelope, Intended, ReadAll)
        );

    [Theory]
    [InlineData(512L * 1024 * 1024)]
    [InlineData(0L)]
    public async Task An_approved_two_file_directory_loads_from_exactly_the_bytes_verified_in_memory_or_through_handles(long maxInMemory)
    {
        var envelope = Approve();

        var (loaded, artifact) = await Loader(maxInMemory).LoadDirectoryAsync(_directory, envelope, Intended, ReadAll);

        Assert.Equal(Approved.OrderBy(f => f.Key), loaded.OrderBy(f => f.Key));
        Assert.Equal(FileManifest.DigestOf(ApprovedFiles), artifact.ArtifactDigest);
        Assert.Equal(Approved.Values.Sum(b => b.LongLength), artifact.SizeBytes);
        var report = Assert.Single(_given.Ledger.Reports);
        Assert.True(report.Loaded);
        Assert.Equal(artifact.ArtifactDigest, report.ArtifactDigest);
    }

    [Fact]
    public async Task A_directory_verified_for_another_process_passes_and_a_file_not_in_it_cannot_be_opened_by_the_loader()
    {
        var envelope = Approve();

        var verified = await Loader().VerifyDirectoryAsync(_directory, envelope, Intended);
        var (error, _) = await Loader()
            .LoadDirectoryAsync(_directory, envelope, Intended, files => Record.Exception(() => files.Open("other.bin")));

        Assert.Equal(FileManifest.DigestOf(ApprovedFiles), verified.ArtifactDigest);
        Assert.IsType<FileNotFoundException>(error);
    }

    [Fact]
    public async Task An_extra_file_is_refused_naming_it_and_reported()
    {
        var envelope = Approve();
        Write("notes.txt", "not approved"u8.ToArray());

        var refused = await Refused(envelope);

        Assert.Equal("artifact_file_extra", refused.Code);
        Assert.Contains("'notes.txt'", refused.Message);
        var report = Assert.Single(_given.Ledger.Reports);
        Assert.Equal(("artifact_file_extra", "approval-1"), (report.ReasonCode, report.ApprovalId));
    }

    [Fact]
    public async Task A_missing_file_is_refused_naming_it()
    {
        var envelope = Approve();
        File.Delete(Path.Combine(_directory, "features", "feature-map.json"));

        var refused = await Refused(envelope);

        Assert.Equal("artifact_file_missing", refused.Code);
        Assert.Contains("'features/feature-map.json'", refused.Message);
    }

    [Fact]
    public async Task A_changed_file_is_refused_naming_it_and_its_approved_and_found_digests()
    {
        var envelope = Approve();
        var changed = Approved["model.zip"].ToArray();
        changed[4000] ^= 0x01;
        Write("model.zip", changed);

        var refused = await Refused(envelope);

        Assert.Equal("artifact_file_changed", refused.Code);
        Assert.Contains("'model.zip'", refused.Message);
        Assert.Contains(Entry("model.zip", changed).Sha256, refused.Message);
        Assert.Equal("artifact_file_changed", Assert.Single(_given.Ledger.Reports).ReasonCode);
    }

    [Theory]
    [InlineData("link-to-model.zip", "model.zip")]
    [InlineData("features/outside", "../../outside")]
    [InlineData("linked-folder", "features")]
    public async Task A_symbolic_link_anywhere_inside_is_refused_even_to_a_file_inside(string link, string target)
    {
        var envelope = Approve();
        Directory.CreateDirectory(Path.Combine(_given.Folder, "outside"));
        File.CreateSymbolicLink(Path.Combine(_directory, link), target);

        var refused = await Refused(envelope);

        Assert.Equal("artifact_symlink", refused.Code);
        Assert.Contains($"'{link}'", refused.Message);
        Assert.Empty(_given.Ledger.Reports);
    }

    [Fact]
    public async Task The_directory_itself_may_be_reached_through_a_symbolic_link()
    {
        var current = Path.Combine(_given.Folder, "current");
        Directory.CreateSymbolicLink(current, _directory);

        var (loaded, _) = await Loader().LoadDirectoryAsync(current, Approve(), Intended, ReadAll);

        Assert.Equal(2, loaded.Count);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("features/../../outside.bin")]
    [InlineData("/etc/hostname")]
    public async Task An_approval_listing_a_path_outside_the_directory_is_refused_as_traversal(string path)
    {
        await File.WriteAllBytesAsync(Path.Combine(_given.Folder, "outside.bin"), Approved["model.zip"]);
        var envelope = Approve([.. ApprovedFiles, Entry(path, Approved["model.zip"])]);

        var refused = await Refused(envelope);

        Assert.Equal("artifact_path_traversal", refused.Code);
        Assert.Contains(path, refused.Message);
    }

    [Fact]
    public async Task A_file_name_no_manifest_can_hold_is_refused()
    {
        var envelope = Approve();
        Write("model\u202Etxt.zip", "x"u8.ToArray());

        var refused = await Refused(envelope);

        Assert.Equal("artifact_path_invalid", refused.Code);
        Assert.Contains("model\\u202Etxt.zip", refused.Message);
    }

    [Fact]
    public async Task Only_a_validly_signed_file_list_names_a_file_otherwise_the_signature_is_what_is_refused()
    {
        using var stranger = new PemSigner("stranger", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var forged = Approve(signer: stranger);
        Write("notes.txt", "not approved"u8.ToArray());

        Assert.Equal("signature_unknown_key", (await Refused(forged)).Code);
    }

    [Fact]
    public async Task A_one_file_approval_does_not_cover_a_directory()
    {
        _given.Approved();

        Assert.Equal("digest_mismatch", (await Refused(_given.Envelope())).Code);
    }

    [Fact]
    public async Task A_missing_directory_is_refused_as_unreadable()
    {
        Assert.Equal("artifact_unreadable", (await Refused(Approve(), Path.Combine(_given.Folder, "nowhere"))).Code);
    }

    [Fact]
    public async Task A_file_of_size_zero_is_never_opened_so_a_fifo_cannot_block_the_load()
    {
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(_directory, "empty-pipe"))!)
            await mkfifo.WaitForExitAsync();
        var envelope = Approve([.. ApprovedFiles, new ManifestFile("empty-pipe", ArtifactDirectory.EmptyDigest, 0)]);

        var load = Loader().LoadDirectoryAsync(_directory, envelope, Intended, ReadAll);
        var (loaded, _) = await load.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(loaded["empty-pipe"]);
    }

    [Fact]
    public async Task Files_are_hashed_in_parallel_at_most_the_processor_count_at_a_time()
    {
        var listing = Enumerable.Range(0, 16).Select(i => new DirectoryFile($"f{i}", $"/f{i}", 1)).ToArray();
        var running = 0;
        var most = 0;
        var together = new TaskCompletionSource();

        await ArtifactDirectory.HashAsync(
            listing,
            async (file, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                if (now >= Math.Min(2, Environment.ProcessorCount))
                    together.TrySetResult();
                // Each waits until two run at once: a sequential loop would time out here.
                await together.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
                await Task.Delay(10, ct);
                Interlocked.Decrement(ref running);
                return (ArtifactDirectory.EmptyDigest, 1);
            }
        );

        Assert.InRange(most, Math.Min(2, Environment.ProcessorCount), Environment.ProcessorCount);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
