using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class ModelVersionAndValidationEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task A_version_is_registered_against_registered_datasets_and_read_back_with_its_etag()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await _ledger.RegisterVersion(modelId);

        using var response = await _ledger.Auditor.GetAsync(Scenario.VersionPath(modelId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        var version = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(digest, version.GetProperty("artifactDigest").GetString());
        Assert.Equal("Registered", version.GetProperty("status").GetString());
        Assert.Equal("High", version.GetProperty("riskTier").GetString());
        Assert.Equal("user:owner-olivia", version.GetProperty("registeredBy").GetProperty("subjectId").GetString());
    }

    /// <summary>A model directory's registration body: its files, and no digest or size unless given.</summary>
    private static object DirectoryBody(
        string datasetDigest,
        object[] files,
        string? artifactDigest = null,
        long? artifactSizeBytes = null
    ) =>
        new
        {
            version = "1.0.0",
            artifactUri = "s3://models/1.0.0/",
            artifactDigest,
            artifactSizeBytes,
            format = "Onnx",
            trainingDatasetDigest = datasetDigest,
            validationDatasetDigest = datasetDigest,
            codeCommit = "3f2c1e9",
            artifactFiles = files,
        };

    [Fact]
    public async Task A_model_directory_is_registered_by_its_files_under_their_manifest_digest_and_total_size()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var dataset = await _ledger.RegisterDataset();
        var graph = new
        {
            path = "model.onnx",
            sha256 = Scenario.DigestOf("graph").ToUpperInvariant().Replace("SHA256:", "sha256:"),
            sizeBytes = 5,
        };
        var vocab = new
        {
            path = "tokenizer/vocab.txt",
            sha256 = Scenario.DigestOf("vocab"),
            sizeBytes = 5,
        };

        var version = await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", DirectoryBody(dataset, [graph, vocab]))
            .Expect(HttpStatusCode.Created);

        var expected = Governance.Attestations.FileManifest.DigestOf([
            new("model.onnx", Scenario.DigestOf("graph"), 5),
            new("tokenizer/vocab.txt", Scenario.DigestOf("vocab"), 5),
        ]);
        Assert.Equal(expected, version.GetProperty("artifactDigest").GetString());
        Assert.Equal(10, version.GetProperty("artifactSizeBytes").GetInt64());
        var files = version.GetProperty("artifactFiles").EnumerateArray().ToArray();
        Assert.Equal(["model.onnx", "tokenizer/vocab.txt"], files.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(Scenario.DigestOf("graph"), files[0].GetProperty("sha256").GetString());
        var check = await _ledger.Check(modelId, expected);
        Assert.Contains(
            check.GetProperty("reasons").EnumerateArray(),
            r => r.GetProperty("code").GetString() == "no_approval_for_environment"
        );
    }

    [Fact]
    public async Task A_model_directory_with_a_wrong_digest_or_size_or_a_traversing_path_is_a_400_naming_it_and_nothing_is_stored()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var dataset = await _ledger.RegisterDataset();
        var graph = new
        {
            path = "model.onnx",
            sha256 = Scenario.DigestOf("graph"),
            sizeBytes = 5,
        };

        async Task<string[]> Refused(object body) =>
            (
                await _ledger
                    .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", body)
                    .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input")
            )
                .GetProperty("errors")
                .EnumerateObject()
                .Select(e => e.Name)
                .ToArray();

        Assert.Equal(["artifactDigest"], await Refused(DirectoryBody(dataset, [graph], artifactDigest: Scenario.DigestOf("other"))));
        Assert.Equal(["artifactSizeBytes"], await Refused(DirectoryBody(dataset, [graph], artifactSizeBytes: 6)));
        Assert.Equal(
            ["artifactFiles[1].path"],
            await Refused(
                DirectoryBody(
                    dataset,
                    [
                        graph,
                        new
                        {
                            path = "../secrets.bin",
                            sha256 = graph.sha256,
                            sizeBytes = 1,
                        },
                    ]
                )
            )
        );
        Assert.Equal(["artifactFiles"], await Refused(DirectoryBody(dataset, [])));
        await _ledger.Auditor.GetAsync(Scenario.VersionPath(modelId)).ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
    }

    [Fact]
    public async Task A_version_naming_an_unregistered_dataset_is_a_400_naming_that_field()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var problem = await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                Scenario.VersionBody("1.0.0", Scenario.DigestOf("a"), Scenario.DigestOf("no such dataset"))
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("trainingDatasetDigest", out _));
        await _ledger.Auditor.GetAsync(Scenario.VersionPath(modelId)).ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
    }

    [Fact]
    public async Task Version_registration_refuses_bad_digests_unknown_models_duplicates_and_other_roles()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var dataset = await _ledger.RegisterDataset();
        var problem = await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", "sha256:zz", dataset))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("artifactDigest", out _));

        await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{Scenario.NewId()}/versions",
                Scenario.VersionBody("1.0.0", Scenario.DigestOf("a"), dataset)
            )
            .ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
        await _ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", Scenario.DigestOf("b"), dataset))
            .ExpectProblem(HttpStatusCode.Conflict, "model_version.already_registered");
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                Scenario.VersionBody("1.0.1", Scenario.DigestOf("c"), dataset)
            )
            .Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_independent_validator_records_the_outcome_and_findings()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId, outcome: "PassedWithConditions");

        var version = await _ledger.GetVersion(modelId);
        Assert.Equal("Validated", version.GetProperty("status").GetString());
        var validation = version.GetProperty("validation");
        Assert.Equal("PassedWithConditions", validation.GetProperty("outcome").GetString());
        Assert.Equal("user:validator-victor", validation.GetProperty("validator").GetProperty("subjectId").GetString());
        Assert.Equal("F-1", validation.GetProperty("findings")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_model_owner_cannot_validate_their_own_model_even_holding_the_validator_role()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/validation-submissions", new { summary = "pack" })
            .Expect(HttpStatusCode.OK);

        var ownerAsValidator = _ledger.As("owner-olivia", $"{Roles.ModelOwner},{Roles.Validator}");
        await ownerAsValidator
            .PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/validation", new { outcome = "Passed", opinion = "fine" })
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.validator_is_model_owner");
        Assert.Equal("ValidationSubmitted", (await _ledger.GetVersion(modelId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Validation_refuses_bad_input_the_wrong_lifecycle_step_and_other_roles()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var path = Scenario.VersionPath(modelId);

        await _ledger
            .Validator.PostAsJsonAsync($"{path}/validation", new { outcome = "Passed", opinion = "ok" })
            .ExpectProblem(HttpStatusCode.Conflict, "validation.not_submitted");
        await _ledger
            .Owner.PostAsJsonAsync($"{path}/validation-submissions", new { })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Owner.PostAsJsonAsync($"{path}/validation-submissions", new { summary = "pack", reportDigest = "nope" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Validator.PostAsJsonAsync($"{path}/validation-submissions", new { summary = "pack" })
            .Expect(HttpStatusCode.Forbidden);
        await _ledger.Owner.PostAsJsonAsync($"{path}/validation-submissions", new { summary = "pack" }).Expect(HttpStatusCode.OK);
        await _ledger
            .Owner.PostAsJsonAsync($"{path}/validation-submissions", new { summary = "pack" })
            .ExpectProblem(HttpStatusCode.Conflict, "validation.not_submittable");

        var problem = await _ledger
            .Validator.PostAsJsonAsync(
                $"{path}/validation",
                new
                {
                    outcome = "Passed",
                    opinion = "ok",
                    findings = new[]
                    {
                        new
                        {
                            severity = "Critical",
                            title = "Leakage",
                            status = "Open",
                        },
                    },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("outcome", out _));
        await _ledger
            .Pipeline.PostAsJsonAsync($"{path}/validation", new { outcome = "Passed", opinion = "ok" })
            .Expect(HttpStatusCode.Forbidden);
        await _ledger
            .Validator.PostAsJsonAsync($"/api/v1/models/{modelId}/versions/9.9.9/validation", new { outcome = "Passed", opinion = "ok" })
            .ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
    }

    [Fact]
    public async Task A_retired_version_cannot_be_deployed_and_retiring_twice_is_a_conflict()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/retirement", new { reason = "Superseded" })
            .Expect(HttpStatusCode.OK);

        var check = await _ledger.Check(modelId, digest);
        Assert.False(check.GetProperty("allowed").GetBoolean());
        Assert.Contains("version_retired", check.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/retirement", new { reason = "again" })
            .ExpectProblem(HttpStatusCode.Conflict, "model_version.retired");
        await _ledger
            .Auditor.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/retirement", new { reason = "x" })
            .Expect(HttpStatusCode.Forbidden);
    }
}
