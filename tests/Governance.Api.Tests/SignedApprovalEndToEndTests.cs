using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Domain.Shared;
using Governance.Serving;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;

namespace Governance.Api.Tests;

/// <summary>The control end to end: a model server scores only while the ledger's signed approval of those exact bytes stands.</summary>
[Collection(LedgerCollection.Name)]
public sealed class SignedApprovalEndToEndTests(LedgerApp app) : IDisposable
{
    private readonly Scenario _ledger = new(app);
    private readonly string _folder = Directory.CreateTempSubdirectory("e2e-serving-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class Applicant
    {
        public float Duration { get; set; }
        public float Amount { get; set; }
        public float Age { get; set; }
        public bool Label { get; set; }
    }

    /// <summary>A small but real ML.NET FastTree model, saved as the artifact under approval (in <paramref name="folder"/>,
    /// by default the test's folder).</summary>
    private string TrainArtifact(string? folder = null)
    {
        var ml = new MLContext(seed: 7);
        var random = new Random(7);
        var rows = Enumerable
            .Range(0, 400)
            .Select(_ =>
            {
                var duration = random.Next(6, 60);
                var amount = random.Next(500, 15000);
                return new Applicant
                {
                    Duration = duration,
                    Amount = amount,
                    Age = random.Next(19, 75),
                    Label = duration * amount > 200_000,
                };
            })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml
            .Transforms.Concatenate("Features", nameof(Applicant.Duration), nameof(Applicant.Amount), nameof(Applicant.Age))
            .Append(ml.BinaryClassification.Trainers.FastTree(numberOfTrees: 20, numberOfLeaves: 4, minimumExampleCountPerLeaf: 5))
            .Fit(data);
        var path = Path.Combine(folder ?? _folder, "model.zip");
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

    private WebApplicationFactory<Governance.Serving.Host.Program> ScoringHost(
        string modelId,
        string artifact,
        string approvalId,
        string? featureMapFile = null
    ) =>
        new WebApplicationFactory<Governance.Serving.Host.Program>().WithWebHostBuilder(host =>
        {
            if (featureMapFile is not null)
                host.UseSetting("Serving:FeatureMapFile", featureMapFile);
            host.UseSetting("Serving:Model", modelId);
            host.UseSetting("Serving:Version", "1.0.0");
            host.UseSetting("Serving:Environment", "production");
            host.UseSetting("Serving:ArtifactPath", artifact);
            host.UseSetting("Serving:ApprovalId", approvalId);
            host.UseSetting("Serving:RecheckSeconds", "3600");
            host.UseSetting("Serving:RevocationCacheSeconds", "0");
            // The scoring host reaches the ledger under test as a model-server client.
            host.ConfigureTestServices(services =>
                services.AddSingleton<ILedgerClient>(new HttpLedgerClient(app.As("model-server-e2e", Roles.DeploymentPipeline)))
            );
        });

    private static async Task<JsonElement> WaitForHealth(HttpClient scorer)
    {
        for (var i = 0; ; i++)
        {
            using var response = await scorer.GetAsync("/health");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (body.GetProperty("status").GetString() != "refused" || body.GetProperty("code").GetString() != "not_loaded" || i > 100)
                return body;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Register_validate_approve_attest_load_and_score_then_revoke_and_the_server_refuses()
    {
        var artifact = TrainArtifact();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/attestation").Expect(HttpStatusCode.OK);

        using var host = ScoringHost(modelId, artifact, approvalId);
        var scorer = host.CreateClient();
        var health = await WaitForHealth(scorer);
        Assert.Equal("serving", health.GetProperty("status").GetString());
        Assert.Equal(digest, health.GetProperty("artifactDigest").GetString());

        var scores = await scorer
            .PostAsJsonAsync(
                "/score",
                new[]
                {
                    new
                    {
                        Duration = 48,
                        Amount = 12000,
                        Age = 30,
                    },
                    new
                    {
                        Duration = 6,
                        Amount = 800,
                        Age = 45,
                    },
                }
            )
            .Expect(HttpStatusCode.OK);
        Assert.Equal(2, scores.GetArrayLength());
        Assert.True(scores[0].GetProperty("Probability").GetSingle() > scores[1].GetProperty("Probability").GetSingle());
        await scorer.PostAsJsonAsync("/score", new { Duration = 12 }).Expect(HttpStatusCode.BadRequest);

        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond tolerance" }
            )
            .Expect(HttpStatusCode.OK);
        var reload = await scorer.PostAsync("/reload", null).Expect(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("approval_revoked", reload.GetProperty("code").GetString());
        await scorer
            .PostAsJsonAsync(
                "/score",
                new
                {
                    Duration = 48,
                    Amount = 12000,
                    Age = 30,
                }
            )
            .Expect(HttpStatusCode.ServiceUnavailable);

        var loads = (await _ledger.GetVersion(modelId)).GetProperty("loads").EnumerateArray().ToArray();
        Assert.True(loads[0].GetProperty("loaded").GetBoolean());
        Assert.Equal("approval_revoked", loads[^1].GetProperty("refusalCode").GetString());
    }

    [Fact]
    public async Task A_scoring_host_given_a_swapped_artifact_never_serves_it()
    {
        var artifact = TrainArtifact();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await using (var file = File.OpenWrite(artifact))
        {
            file.Seek(100, SeekOrigin.Begin);
            file.WriteByte(0x42);
        }

        using var host = ScoringHost(modelId, artifact, approvalId);
        var health = await WaitForHealth(host.CreateClient());
        Assert.Equal("digest_mismatch", health.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_two_file_model_directory_is_registered_approved_attested_and_served_with_its_feature_map_then_revoked_and_refused()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_folder, "credit-model")).FullName;
        TrainArtifact(directory);
        await File.WriteAllTextAsync(
            Path.Combine(directory, "feature-map.json"),
            """{"duration_months": "Duration", "amount_eur": "Amount", "age_years": "Age"}"""
        );
        var files = await ArtifactDirectory.ManifestOfAsync(directory);
        var digest = FileManifest.DigestOf(files);
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var dataset = await _ledger.RegisterDataset();
        await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                new
                {
                    version = "1.0.0",
                    artifactUri = $"s3://models/{modelId}/1.0.0/",
                    format = "MlNetZip",
                    trainingDatasetDigest = dataset,
                    validationDatasetDigest = dataset,
                    codeCommit = "3f2c1e9",
                    artifactFiles = files.Select(f => new
                    {
                        path = f.Path,
                        sha256 = f.Sha256,
                        sizeBytes = f.Size,
                    }),
                }
            )
            .Expect(HttpStatusCode.Created);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);

        var envelope = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/attestation").Expect(HttpStatusCode.OK);
        var statement = JsonDocument.Parse(Convert.FromBase64String(envelope.GetProperty("payload").GetString()!)).RootElement;
        Assert.Equal(digest[7..], statement.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString());
        Assert.Equal(
            ["feature-map.json", "model.zip"],
            statement
                .GetProperty("predicate")
                .GetProperty("artifactFiles")
                .EnumerateArray()
                .Select(f => f.GetProperty("path").GetString())
                .Order()
        );

        using var host = ScoringHost(modelId, directory, approvalId, featureMapFile: "feature-map.json");
        var scorer = host.CreateClient();
        var health = await WaitForHealth(scorer);
        Assert.Equal("serving", health.GetProperty("status").GetString());
        Assert.Equal(digest, health.GetProperty("artifactDigest").GetString());

        var scores = await scorer
            .PostAsJsonAsync(
                "/score",
                new[]
                {
                    new
                    {
                        duration_months = 48,
                        amount_eur = 12000,
                        age_years = 30,
                    },
                    new
                    {
                        duration_months = 6,
                        amount_eur = 800,
                        age_years = 45,
                    },
                }
            )
            .Expect(HttpStatusCode.OK);
        Assert.True(scores[0].GetProperty("Probability").GetSingle() > scores[1].GetProperty("Probability").GetSingle());
        // The feature map renames the model's columns: their own names are no longer the request's fields.
        await scorer
            .PostAsJsonAsync(
                "/score",
                new
                {
                    Duration = 48,
                    Amount = 12000,
                    Age = 30,
                }
            )
            .Expect(HttpStatusCode.BadRequest);

        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Feature map error found in monitoring" }
            )
            .Expect(HttpStatusCode.OK);
        var reload = await scorer.PostAsync("/reload", null).Expect(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("approval_revoked", reload.GetProperty("code").GetString());
        await scorer.PostAsJsonAsync("/score", new { duration_months = 48 }).Expect(HttpStatusCode.ServiceUnavailable);

        var loads = (await _ledger.GetVersion(modelId)).GetProperty("loads").EnumerateArray().ToArray();
        Assert.True(loads[0].GetProperty("loaded").GetBoolean());
        Assert.Equal(digest, loads[0].GetProperty("artifactDigest").GetString());
        Assert.Equal("approval_revoked", loads[^1].GetProperty("refusalCode").GetString());
    }

    [Fact]
    public async Task A_scoring_host_given_a_model_directory_with_a_changed_feature_map_never_serves_it()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_folder, "changed-model")).FullName;
        TrainArtifact(directory);
        var map = Path.Combine(directory, "feature-map.json");
        await File.WriteAllTextAsync(map, """{"duration_months": "Duration"}""");
        var files = await ArtifactDirectory.ManifestOfAsync(directory);
        var digest = FileManifest.DigestOf(files);
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                new
                {
                    version = "1.0.0",
                    artifactUri = $"s3://models/{modelId}/1.0.0/",
                    format = "MlNetZip",
                    trainingDatasetDigest = await _ledger.RegisterDataset(),
                    validationDatasetDigest = await _ledger.RegisterDataset(),
                    codeCommit = "3f2c1e9",
                    artifactFiles = files.Select(f => new
                    {
                        path = f.Path,
                        sha256 = f.Sha256,
                        sizeBytes = f.Size,
                    }),
                }
            )
            .Expect(HttpStatusCode.Created);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await File.WriteAllTextAsync(map, """{"duration_months": "Amount"}""");

        using var host = ScoringHost(modelId, directory, approvalId, featureMapFile: "feature-map.json");
        var health = await WaitForHealth(host.CreateClient());
        Assert.Equal("artifact_file_changed", health.GetProperty("code").GetString());
        Assert.Contains("feature-map.json", health.GetProperty("message").GetString());
    }
}
