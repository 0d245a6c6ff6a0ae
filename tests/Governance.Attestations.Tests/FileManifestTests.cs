using System.Text;

namespace Governance.Attestations.Tests;

public class FileManifestTests
{
    private static readonly ManifestFile Train = new("data/train.csv", "sha256:" + new string('1', 64), 1024);
    private static readonly ManifestFile Labels = new("data/labels.csv", "sha256:" + new string('2', 64), 10);

    [Fact]
    public void The_digest_is_sha256_over_the_jcs_json_of_the_files_sorted_by_path()
    {
        Assert.Equal(
            $$"""{"files":[{"path":"data/labels.csv","sha256":"{{new string('2', 64)}}","size":10},"""
                + $$"""{"path":"data/train.csv","sha256":"{{new string('1', 64)}}","size":1024}]}""",
            Encoding.UTF8.GetString(FileManifest.CanonicalBytes([Train, Labels]))
        );
        // docs/manifests.md's Python snippet, run with /usr/bin/python3, printed this digest for the same two files.
        Assert.Equal("sha256:c96043db98a02223a3f39f76debaa8b62be7c9dff0a90b6e8f715c16f8b5241a", FileManifest.DigestOf([Train, Labels]));
        Assert.Equal(FileManifest.DigestOf([Train, Labels]), FileManifest.DigestOf([Labels, Train]));
    }

    [Fact]
    public void Files_are_sorted_by_the_utf8_bytes_of_their_paths_not_by_utf16_code_units()
    {
        // U+FF61 is EF BD A1 in UTF-8 and FF61 in UTF-16; U+1F600 is F0 9F 98 80 and D83D DE00: the two orders disagree.
        ManifestFile[] files =
        [
            new("z.csv", "sha256:" + new string('5', 64), 3),
            new("\U0001F600.csv", "sha256:" + new string('4', 64), 2),
            new("\uFF61.csv", "sha256:" + new string('3', 64), 1),
        ];

        var json = Encoding.UTF8.GetString(FileManifest.CanonicalBytes(files));

        Assert.True(json.IndexOf('\uFF61') < json.IndexOf("\U0001F600", StringComparison.Ordinal));
        Assert.Equal("sha256:3eae82be211b1abafa0766a70b5a5f3a03762ed3383e51d3f73718f5e46f15bf", FileManifest.DigestOf(files));
    }

    [Fact]
    public void The_documented_python_snippet_agrees_for_quotes_line_separators_emoji_cjk_and_punctuation_in_paths()
    {
        // json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) is RFC 8785 for this schema: the keys are
        // ASCII, sizes are integers, and paths hold no control character, backslash or unpaired surrogate; the rest
        // (quote, U+2028, non-ASCII) both write alike. Expected digest: docs/manifests.md's snippet, /usr/bin/python3.
        string[] paths =
        [
            "say \"hi\".csv",
            "line\u2028sep.csv",
            "emoji/\U0001F600.csv",
            "数据/训练.parquet",
            "<a>&'b'.csv",
            "été 2024/données.csv",
            "a b/c~d!@#$%^()+=[]{};,.csv",
        ];
        var files = paths.Select((p, i) => new ManifestFile(p, "sha256:" + new string((char)('1' + i), 64), (i + 1) * 1000L)).ToArray();

        Assert.Equal("sha256:7b12dab3538aa336d0b5e77122897ad2eb79a5e5aeb17324e1aa1cc00394425d", FileManifest.DigestOf(files));
    }

    [Fact]
    public void Digests_are_written_in_lower_case_so_letter_case_does_not_change_the_manifest()
    {
        Assert.Equal(FileManifest.DigestOf([Train]), FileManifest.DigestOf([Train with { Sha256 = "SHA256:" + new string('1', 64) }]));
    }

    [Fact]
    public void The_issues_forged_path_would_have_its_own_digest_and_is_refused()
    {
        var a = Hash("a,1\n");
        var b = Hash("b,2\n");
        // The issue's dataset B: one file whose path, under the old line-based manifest, forged the line of A's b.csv.
        var forged = new ManifestFile($"a.csv\n{b[7..]}  4  b.csv", a, 4);

        var e = Assert.Throws<ArgumentException>(() => FileManifest.DigestOf([forged]));

        Assert.StartsWith("files[0].path: must be a single line", e.Message);
        // A's v2 digest, and the one B would have had: the Python snippet escapes the newline as \n, so the two differ.
        Assert.Equal(
            "sha256:097c5f64efce5745d65cee74e182cb25790cd705244e73adaa50cc8611fc5d19",
            FileManifest.DigestOf([new("a.csv", a, 4), new("b.csv", b, 4)])
        );
        var forgedJson = System.Text.Json.JsonSerializer.SerializeToElement(
            new
            {
                files = new[]
                {
                    new
                    {
                        path = forged.Path,
                        sha256 = a[7..],
                        size = 4,
                    },
                },
            }
        );
        Assert.Equal("sha256:ad92a2dd2365c7e6b08c820daf85c7ca8c71e9825000618239f862566b502390", Hash(Jcs.Canonicalize(forgedJson)));
    }

    [Theory]
    [InlineData("/etc/passwd", "must be relative")]
    [InlineData("C:/data/a.csv", "must be relative")]
    [InlineData("data\\a.csv", "must separate folders with '/'")]
    [InlineData("data//a.csv", "must not have an empty, '.' or '..' segment")]
    [InlineData("data/", "must not have an empty, '.' or '..' segment")]
    [InlineData("./a.csv", "must not have an empty, '.' or '..' segment")]
    [InlineData("data/../a.csv", "must not have an empty, '.' or '..' segment")]
    [InlineData("..", "must not have an empty, '.' or '..' segment")]
    [InlineData("a\tb.csv", "must be a single line without control characters")]
    [InlineData("a\u0085b.csv", "must be a single line without control characters")]
    [InlineData("invoice\u202Evsc.exe", "must not contain bidirectional control characters")]
    [InlineData("a\u200Bb.csv", "must not contain zero-width characters")]
    [InlineData("cafe\u0301.csv", "must be Unicode NFC-normalised text")]
    [InlineData("", "is required")]
    public void A_path_breaking_a_rule_is_named_with_its_index(string path, string problem)
    {
        var (index, message) = Assert.Single(FileManifest.PathProblems(["ok.csv", path]));

        Assert.Equal(1, index);
        Assert.StartsWith(problem, message);
    }

    [Theory]
    [InlineData("data/a.csv", "data/a.csv", "is the same path as files[0].path")]
    [InlineData("Data/A.csv", "data/a.csv", "differs from files[0].path only in letter case")]
    [InlineData("\u017F.csv", "s.csv", "differs from files[0].path only in letter case")]
    public void No_two_paths_may_be_equal_or_equal_under_case_folding(string first, string second, string problem)
    {
        var (index, message) = Assert.Single(FileManifest.PathProblems([first, "other.csv", second]));

        Assert.Equal(2, index);
        Assert.StartsWith(problem, message);
    }

    [Fact]
    public void Relative_paths_in_any_script_with_dots_inside_names_are_accepted()
    {
        Assert.Empty(FileManifest.PathProblems(["données/été 2024.csv", "a..b/.hidden", "数据/训练.parquet", "report:v2.csv"]));
    }

    [Fact]
    public void Malformed_digests_and_sizes_outside_json_exact_integers_are_refused_naming_the_file()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            FileManifest.DigestOf([Train with { Sha256 = "sha256:xyz" }, Labels with { Size = FileManifest.MaxSize + 1 }])
        );

        Assert.Contains("files[0].sha256", e.Message);
        Assert.Contains("files[1].size", e.Message);
    }

    private static string Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    private static string Hash(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
