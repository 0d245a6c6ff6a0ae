using System.Text.Json;

namespace Governance.Attestations.Tests;

/// <summary>A model directory read as a file manifest, and compared with the files an approval lists.</summary>
public sealed class ArtifactDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("artifact-directory-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_root, path))!);
        File.WriteAllText(Path.Combine(_root, path), content);
    }

    [Fact]
    public async Task A_directorys_manifest_digest_is_the_one_the_documented_python_snippet_computes_from_its_paths()
    {
        Write("model.onnx", "onnx graph bytes");
        Write("tokenizer/vocab.txt", "[PAD]\n[UNK]\n");
        Directory.CreateDirectory(Path.Combine(_root, "empty-folder"));

        var files = await ArtifactDirectory.ManifestOfAsync(_root);

        // docs/manifests.md's manifest_digest.py DIR model.onnx tokenizer/vocab.txt (/usr/bin/python3 3.11.2).
        Assert.Equal("sha256:08fb518bc4f672088d457dc6dea1bacd28ea8f6659ed1d729ff334019bb9f3ec", FileManifest.DigestOf(files));
        Assert.Equal(["model.onnx", "tokenizer/vocab.txt"], files.Select(f => f.Path));
    }

    [Fact]
    public void The_signed_file_list_is_read_from_an_envelope_in_url_safe_base64_without_padding()
    {
        using var signer = SignedApprovals.NewSigner();
        // A condition long enough that the payload's base64 ends in padding, which the URL-safe copy drops.
        var payload = Enumerable
            .Range(1, 3)
            .Select(n => JsonSerializer.SerializeToUtf8Bytes(SignedApprovals.Approval([new string('x', n)]), AttestationJson.Options))
            .First(p => p.Length % 3 != 0);
        var standard = JsonSerializer.Deserialize<Envelope>(
            SignedApprovals.Envelope(Statement.PayloadType, payload, (signer, signer.KeyId)),
            AttestationJson.Options
        )!;
        static string UrlSafe(string b64) => b64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var urlSafe = Dsse.Serialize(
            standard with
            {
                Payload = UrlSafe(standard.Payload),
                Signatures = [.. standard.Signatures.Select(s => s with { Sig = UrlSafe(s.Sig) })],
            }
        );

        var approval = ArtifactDirectory.SignedApproval(
            urlSafe,
            SignedApprovals.ThisArtifactInProduction,
            SignedApprovals.Trusting(signer),
            SignedApprovals.Now
        );

        Assert.Equal("approval-1", approval?.ApprovalId);
    }

    private static readonly ManifestFile Graph = new("model.onnx", "sha256:" + new string('1', 64), 10);
    private static readonly ManifestFile Vocab = new("tokenizer/vocab.txt", "sha256:" + new string('2', 64), 20);

    public static TheoryData<ManifestFile[], ManifestFile[], string?> Differences =>
        new()
        {
            { [Graph, Vocab], [Vocab, Graph with { Sha256 = Graph.Sha256.ToUpperInvariant().Replace("SHA256:", "sha256:") }], null },
            { [Graph, Vocab, Graph with { Path = "../model.onnx" }], [Graph], "artifact_path_traversal" },
            { [Graph, Vocab with { Path = "C:/tokenizer/vocab.txt" }], [Graph], "artifact_path_traversal" },
            { [Graph, Vocab with { Path = "tokenizer\\vocab.txt" }], [Graph, Vocab], "artifact_path_invalid" },
            { [Graph, Vocab], [Graph], "artifact_file_missing" },
            { [Graph], [Graph, Vocab], "artifact_file_extra" },
            { [Graph, Vocab], [Graph, Vocab with { Size = 21 }], "artifact_file_changed" },
            { [Graph, Vocab], [Graph with { Sha256 = "sha256:" + new string('3', 64) }, Vocab], "artifact_file_changed" },
            // Missing before extra before changed: the first difference found is the one named.
            { [Graph, Vocab], [Graph with { Size = 1 }, Vocab with { Path = "vocab.txt" }], "artifact_file_missing" },
        };

    [Theory]
    [MemberData(nameof(Differences))]
    public void The_files_found_are_compared_with_the_approved_list_by_path_digest_and_size(
        ManifestFile[] approved,
        ManifestFile[] found,
        string? code
    )
    {
        Assert.Equal(code, ArtifactDirectory.Compare(approved, found)?.Code);
    }
}
