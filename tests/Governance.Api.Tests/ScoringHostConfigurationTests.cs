using Governance.Serving.Host;

namespace Governance.Api.Tests;

/// <summary>The scoring host checks its "Serving" settings before it serves anything and names each bad one (issue 11, item 7).</summary>
public sealed class ScoringHostConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scoring-host-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ScoringHostOptions Valid()
    {
        var artifact = Path.Combine(_folder, "model.zip");
        File.WriteAllText(artifact, "model");
        return new ScoringHostOptions
        {
            Model = "credit-scoring-de",
            Version = "1.1.0",
            ArtifactPath = artifact,
            ApprovalId = "0193c1b5-0000-7000-8000-000000000000",
        };
    }

    [Fact]
    public void A_complete_configuration_has_no_problems()
    {
        Assert.Empty(Valid().Problems());
    }

    [Fact]
    public void Each_bad_setting_is_named_with_what_is_wrong()
    {
        var notJson = Path.Combine(_folder, "keys.json");
        File.WriteAllText(notJson, "not a key set");
        var cases = new (Action<ScoringHostOptions> Break, string Expected)[]
        {
            (o => o.AttestationPath = "", "Serving:AttestationPath: is empty"),
            (o => o.AttestationPath = Path.Combine(_folder, "missing.json"), "Serving:AttestationPath: no file at"),
            (o => o.ApprovalId = null, "Serving:ApprovalId: set ApprovalId"),
            (o => o.ArtifactPath = Path.Combine(_folder, "missing.zip"), "Serving:ArtifactPath: no file or directory at"),
            (o => o.FeatureMapFile = "feature-map.json", "Serving:FeatureMapFile: is a file of a model directory"),
            (o => o.LedgerUrl = "ledger.internal", "Serving:LedgerUrl: 'ledger.internal' is not an absolute http(s) URL"),
            (o => o.ClientId = "model-server", "Serving:ClientSecret: ClientId and ClientSecret are set together"),
            (o => o.PinnedKeysPath = notJson, "Serving:PinnedKeysPath: "),
            (o => o.Model = " ", "Serving:Model: is required"),
            (o => o.OutageGraceSeconds = -1, "Serving:OutageGraceSeconds: must be 0 or more"),
            (o => o.RecheckSeconds = 0, "Serving:RecheckSeconds: must be at least 1"),
        };
        foreach (var (breakIt, expected) in cases)
        {
            var options = Valid();
            breakIt(options);
            Assert.Contains(options.Problems(), p => p.StartsWith(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_model_directory_needs_its_model_file_and_feature_map_inside_it()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_folder, "credit-model")).FullName;
        File.WriteAllText(Path.Combine(directory, "model.zip"), "model");
        File.WriteAllText(Path.Combine(directory, "feature-map.json"), "{}");
        ScoringHostOptions InDirectory(string modelFile, string? featureMap)
        {
            var options = Valid();
            (options.ArtifactPath, options.ModelFile, options.FeatureMapFile) = (directory, modelFile, featureMap);
            return options;
        }

        Assert.Empty(InDirectory("model.zip", "feature-map.json").Problems());
        Assert.Equal(
            ["Serving:ModelFile: no file 'other.zip' in the model directory '" + directory + "'"],
            InDirectory("other.zip", null).Problems()
        );
        Assert.StartsWith(
            "Serving:FeatureMapFile: '../feature-map.json' must not have an empty, '.' or '..' segment",
            Assert.Single(InDirectory("model.zip", "../feature-map.json").Problems())
        );
    }

    [Fact]
    public void The_host_exits_2_instead_of_crashing_on_an_empty_attestation_path()
    {
        var exit = Governance.Serving.Host.Program.Main([
            "--Serving:Model=credit-scoring-de",
            "--Serving:Version=1.1.0",
            $"--Serving:ArtifactPath={Valid().ArtifactPath}",
            "--Serving:AttestationPath=",
        ]);
        Assert.Equal(2, exit);
    }
}
