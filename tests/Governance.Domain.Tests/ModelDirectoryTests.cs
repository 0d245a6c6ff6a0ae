using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>A model version registered as a model directory: the manifest of its files names it.</summary>
public class ModelDirectoryTests
{
    private static readonly Datasets.Dataset TrainingSet = DatasetWithDigest(TrainingDigest);
    private static readonly Datasets.Dataset ValidationSet = DatasetWithDigest(ValidationDigest);

    // The two files of docs/manifests.md's example, digests in upper case as a client may send them.
    private static readonly ArtifactFile Train = new("data/train.csv", "sha256:" + new string('1', 64), 1024);
    private static readonly ArtifactFile Labels = new("data/labels.csv", "SHA256:" + new string('2', 64), 10);

    /// <summary>Computed outside .NET by docs/manifests.md's Python snippet for these two files.</summary>
    private const string ManifestOfTrainAndLabels = "sha256:c96043db98a02223a3f39f76debaa8b62be7c9dff0a90b6e8f715c16f8b5241a";

    private static RegisterModelVersion Register(IReadOnlyList<ArtifactFile>? files, string? digest = null, long? size = null) =>
        new(
            ModelId,
            "3.0.0",
            "s3://models/credit-scoring/3.0.0/",
            digest,
            size,
            ArtifactFormat.Onnx,
            TrainingDigest,
            ValidationDigest,
            new Dictionary<string, double> { ["auc"] = 0.84 },
            "9f8e7d",
            null,
            null,
            files
        );

    private static ModelVersionRegistered Decide(RegisterModelVersion command) =>
        RegisterModelVersionDecision.Decide(
            command,
            GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]),
            null,
            TrainingSet,
            ValidationSet,
            Ctx(Developer)
        );

    [Fact]
    public void Given_a_directorys_files_and_no_digest_when_registered_then_its_digest_is_their_manifest_digest_and_its_size_their_sum()
    {
        var registered = Decide(Register([Train, Labels]));
        var version = Given(registered);

        Assert.Equal(ManifestOfTrainAndLabels, version.ArtifactDigest);
        Assert.Equal(1034, version.ArtifactSizeBytes);
        Assert.Equal([Train, Labels with { Sha256 = "sha256:" + new string('2', 64) }], version.ArtifactFiles);
    }

    [Fact]
    public void Given_the_digest_and_size_the_files_have_when_registered_then_they_are_accepted_in_any_hex_case()
    {
        var registered = Decide(Register([Labels, Train], ManifestOfTrainAndLabels.ToUpperInvariant().Replace("SHA256:", "sha256:"), 1034));

        Assert.Equal(ManifestOfTrainAndLabels, registered.ArtifactDigest);
    }

    [Fact]
    public void Given_a_digest_that_is_not_the_files_manifest_digest_when_registered_then_it_is_refused_naming_the_right_one()
    {
        var refused = InvalidField(() => Decide(Register([Train, Labels], OtherDigest)), "artifactDigest");

        Assert.Contains(ManifestOfTrainAndLabels, refused.FieldErrors["artifactDigest"][0]);
    }

    [Fact]
    public void Given_a_size_that_is_not_the_files_sum_when_registered_then_it_is_refused()
    {
        var refused = InvalidField(() => Decide(Register([Train, Labels], size: 1024)), "artifactSizeBytes");

        Assert.Contains("1034 bytes", refused.FieldErrors["artifactSizeBytes"][0]);
    }

    [Theory]
    [InlineData("../model.onnx")]
    [InlineData("/models/model.onnx")]
    [InlineData("weights\\model.onnx")]
    [InlineData("./model.onnx")]
    [InlineData("data/train.csv")]
    [InlineData("DATA/train.csv")]
    public void Given_a_path_a_dataset_could_not_hold_when_registered_then_it_is_refused_by_position(string path)
    {
        InvalidField(() => Decide(Register([Train, new ArtifactFile(path, Train.Sha256, 5)])), "artifactFiles[1].path");
    }

    [Fact]
    public void Given_a_file_without_a_digest_or_with_a_negative_size_when_registered_then_each_is_named()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            Decide(Register([Train with { Sha256 = "latest" }, Labels with { SizeBytes = -1 }, null!]))
        );

        Assert.Equal(
            ["artifactFiles[0].sha256", "artifactFiles[1].sizeBytes", "artifactFiles[2]", "artifactFiles[2].path"],
            refused.FieldErrors.Keys.Order()
        );
    }

    [Fact]
    public void Given_no_files_too_many_files_or_files_of_no_bytes_when_registered_then_the_list_is_refused()
    {
        InvalidField(() => Decide(Register([])), "artifactFiles");
        var many = Enumerable
            .Range(0, RegisterModelVersionDecision.MaxArtifactFiles + 1)
            .Select(i => new ArtifactFile($"shard-{i:D4}.bin", Train.Sha256, 1))
            .ToArray();
        InvalidField(() => Decide(Register(many)), "artifactFiles");
        InvalidField(() => Decide(Register([Train with { SizeBytes = 0 }])), "artifactFiles");
    }

    [Fact]
    public void Given_a_one_file_artifact_when_registered_then_it_lists_no_files_and_still_needs_its_digest_and_size()
    {
        Assert.Null(Given(VersionRegistered()).ArtifactFiles);
        var refused = Assert.Throws<GovernanceRuleException>(() => Decide(Register(null)));

        Assert.Equal(["artifactDigest", "artifactSizeBytes"], refused.FieldErrors.Keys.Order());
    }
}
