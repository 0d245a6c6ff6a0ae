using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Evidence;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class EvidenceEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    /// <summary>How the CLI sends a report: web defaults, enums by name (as the API reads them).</summary>
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>A small well-formed report; the dataset file digest is that of <see cref="Scenario.DatasetBody"/>'s one file.</summary>
    private static EvidenceReport Report(string artifactDigest, string datasetName, DatasetRole role = DatasetRole.Validation) =>
        new(
            EvidenceLimits.Kind,
            artifactDigest,
            "xgboost-json",
            Scenario.DigestOf(datasetName),
            role,
            role == DatasetRole.Training,
            1000,
            new Dictionary<string, string> { ["label"] = "Class", ["positive"] = "Bad" },
            7,
            "Governance.Explainability 1.0.0; .NET 10; linux-x64",
            1e-9,
            new ShapSummary(-0.85, 3e-15, [new FeatureShap("Duration", 0.31, 0.01)], Scenario.DigestOf("per-row")),
            new PermutationImportanceSummary("permutation", 5, [new FeatureImportanceValue("Duration", 0.04, 0.005)]),
            new ValidationMetrics(
                1000,
                300,
                0.79,
                0.61,
                0.45,
                0.58,
                0.17,
                0.51,
                [new CurvePoint(0, 0, 2), new CurvePoint(1, 1, 0)],
                [new CurvePoint(1, 0.3, 0)],
                new CalibrationSummary([new ReliabilityBin(0, 0.1, 10, 0.05, 0.1)], 0.03, 0.95, -0.02),
                new ThresholdAnalysis(1, 5, [new ThresholdCost(0.17, 0.42)], 0.17, 0.42, new Confusion(250, 260, 440, 50), 0.49)
            ),
            [
                new BiasAttribute(
                    "sex",
                    "sex=female:Personal.Female.NotSingle",
                    "other",
                    [new GroupOutcome("female", 310, 0.55, 0.85, 0.4, 0.06, 0.0, 0.12, 0.02, -0.05, 0.09, false)]
                ),
            ]
        );

    private async Task<(string ModelId, string Artifact, string Dataset)> Version()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var dataset = Scenario.NewId("ds");
        var manifest = (
            await _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(dataset)).Expect(HttpStatusCode.Created)
        )
            .GetProperty("manifestDigest")
            .GetString()!;
        var artifact = await _ledger.RegisterVersion(modelId, datasetDigest: manifest);
        return (modelId, artifact, dataset);
    }

    [Fact]
    public async Task A_validator_records_evidence_and_everyone_who_reviews_reads_it()
    {
        var (modelId, artifact, dataset) = await Version();
        var path = Scenario.VersionPath(modelId) + "/evidence";

        var recorded = await _ledger
            .Validator.PostAsJsonAsync(path, new { report = Report(artifact, dataset), reason = "Holdout evidence" }, Web)
            .Expect(HttpStatusCode.Created);
        Assert.Equal("EV-1", recorded.GetProperty("reportId").GetString());
        Assert.Equal(dataset, recorded.GetProperty("datasetName").GetString());
        Assert.Equal("user:validator-victor", recorded.GetProperty("recordedBy").GetProperty("subjectId").GetString());

        var list = await _ledger.Auditor.GetAsync(path).Expect(HttpStatusCode.OK);
        var report = Assert.Single(list.EnumerateArray()).GetProperty("report");
        Assert.Equal("Validation", report.GetProperty("datasetRole").GetString());
        Assert.Equal(0.79, report.GetProperty("metrics").GetProperty("rocAuc").GetDouble());
    }

    [Theory]
    [InlineData("artifact", "report.artifactDigest")]
    [InlineData("dataset", "report.datasetFileDigest")]
    [InlineData("in-sample", "report.inSample")]
    public async Task A_bad_report_is_a_problem_naming_the_field_and_stores_nothing(string fault, string field)
    {
        var (modelId, artifact, dataset) = await Version();
        var good = Report(artifact, dataset);
        var report = fault switch
        {
            "artifact" => good with { ArtifactDigest = Scenario.DigestOf("another model") },
            "dataset" => good with { DatasetFileDigest = Scenario.DigestOf("an unregistered file") },
            _ => good with { DatasetRole = DatasetRole.Training, InSample = false },
        };
        var path = Scenario.VersionPath(modelId) + "/evidence";

        var problem = await _ledger
            .Validator.PostAsJsonAsync(path, new { report }, Web)
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, (await _ledger.Auditor.GetAsync(path).Expect(HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task Recording_evidence_is_the_validators_act_not_the_owners()
    {
        var (modelId, artifact, dataset) = await Version();
        await _ledger
            .Owner.PostAsJsonAsync(Scenario.VersionPath(modelId) + "/evidence", new { report = Report(artifact, dataset) }, Web)
            .Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public void The_report_survives_the_ledgers_json_unchanged()
    {
        var report = Report(Scenario.DigestOf("a"), "d");
        var back = JsonSerializer.Deserialize<EvidenceReport>(JsonSerializer.Serialize(report, Web), Web)!;
        Assert.Equal(JsonSerializer.Serialize(report, Web), JsonSerializer.Serialize(back, Web));
    }
}
