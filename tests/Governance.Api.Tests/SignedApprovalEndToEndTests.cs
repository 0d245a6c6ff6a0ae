using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Serving;
using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;

namespace Governance.Api.Tests;

/// <summary>The control end to end: a model server scores only while the ledger's signed approval of those exact bytes stands.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class SignedApprovalEndToEndTests(LedgerApp app) : IDisposable
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

    /// <summary>The scoring host's way to the ledger under test, which a test can cut as a network partition would.</summary>
    private sealed class PartitionableLedger(ILedgerClient ledger) : ILedgerClient
    {
        public bool Unreachable { get; set; }

        private ILedgerClient Ledger => Unreachable ? throw new LedgerUnreachableException("partitioned by the test") : ledger;

        public Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct) =>
            Ledger.GetApprovalStandingAsync(approvalId, ct);

        public Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct) => Ledger.GetAttestationKeysAsync(ct);

        public Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct) => Ledger.GetAttestationAsync(approvalId, ct);

        public Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct) => Ledger.ReportLoadAsync(outcome, ct);

        public Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct) => Ledger.ReportVerifiedAsync(outcome, ct);

        public Task<JsonElement> RecordMonitoringReportAsync(
            string model,
            string version,
            string environment,
            JsonElement body,
            CancellationToken ct
        ) => Ledger.RecordMonitoringReportAsync(model, version, environment, body, ct);
    }

    /// <summary>A scoring host serving the model version under <paramref name="approvalId"/>, reaching the ledger under test
    /// as a model-server client (or through <paramref name="ledger"/>), on <paramref name="clock"/> when given.</summary>
    private WebApplicationFactory<Governance.Serving.Host.Program> ScoringHost(
        string modelId,
        string artifact,
        string approvalId,
        ILedgerClient? ledger = null,
        TimeProvider? clock = null,
        string? featureMapFile = null,
        string? reasonCodesFile = null,
        IReadOnlyDictionary<string, string>? settings = null
    ) =>
        new WebApplicationFactory<Governance.Serving.Host.Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                host.UseSetting($"Serving:{key}", value);
            if (featureMapFile is not null)
                host.UseSetting("Serving:FeatureMapFile", featureMapFile);
            if (reasonCodesFile is not null)
                host.UseSetting("Serving:ReasonCodesFile", reasonCodesFile);
            host.UseSetting("Serving:Model", modelId);
            host.UseSetting("Serving:Version", "1.0.0");
            host.UseSetting("Serving:Environment", "production");
            host.UseSetting("Serving:ArtifactPath", artifact);
            host.UseSetting("Serving:ApprovalId", approvalId);
            host.UseSetting("Serving:RecheckSeconds", "3600");
            host.UseSetting("Serving:RevocationCacheSeconds", "0");
            // The scoring host reaches the ledger under test as a model-server client.
            host.ConfigureTestServices(services =>
            {
                services.AddSingleton(ledger ?? new HttpLedgerClient(app.As("model-server-e2e", Roles.DeploymentPipeline)));
                if (clock is not null)
                    services.AddSingleton(clock);
            });
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

    /// <summary>An approved version of the test model (Duration, Amount, Age), its artifact and approval id.</summary>
    private async Task<(string ModelId, string Artifact, string ApprovalId)> Approved()
    {
        var artifact = TrainArtifact();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        return (modelId, artifact, approvalId);
    }

    /// <summary>A reason-code file for the test model (Age protected) and its background CSV, in the test's folder.</summary>
    private string ReasonCodes(bool withAmount = true)
    {
        var random = new Random(11);
        File.WriteAllLines(
            Path.Combine(_folder, "background.csv"),
            [
                "Duration,Amount,Age,Label",
                .. Enumerable
                    .Range(0, 200)
                    .Select(_ => (D: random.Next(6, 60), A: random.Next(500, 15000), Age: random.Next(19, 75)))
                    .Select(r => $"{r.D},{r.A},{r.Age},{(r.D * r.A > 200_000 ? "true" : "false")}"),
            ]
        );
        var reasons = new Dictionary<string, object> { ["Duration"] = new { code = "D01", text = "The credit's duration is long" } };
        if (withAmount)
            reasons["Amount"] = new { code = "A01", text = "The amount requested is high" };
        var path = Path.Combine(_folder, "reason-codes.json");
        File.WriteAllText(
            path,
            JsonSerializer.Serialize(
                new
                {
                    adverse = "positive",
                    topK = 2,
                    background = "background.csv",
                    reasons,
                    @protected = new[] { "Age" },
                }
            )
        );
        return path;
    }

    /// <summary>Scores a long, large credit (risky) and a short, small one (safe), in that order.</summary>
    private static Task<JsonElement> ScoreRiskyAndSafe(HttpClient scorer) =>
        scorer
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

    [Fact]
    public async Task Each_score_carries_the_reasons_that_moved_it_toward_the_adverse_outcome_and_never_a_protected_attribute()
    {
        var (modelId, artifact, approvalId) = await Approved();
        using var host = ScoringHost(modelId, artifact, approvalId, reasonCodesFile: ReasonCodes());
        var scorer = host.CreateClient();
        Assert.Equal("serving", (await WaitForHealth(scorer)).GetProperty("status").GetString());

        var scores = await ScoreRiskyAndSafe(scorer);
        var risky = scores[0].GetProperty("reasons").EnumerateArray().ToArray();
        Assert.Equal(["D01", "A01"], risky.Select(r => r.GetProperty("code").GetString()!).Order().Reverse().ToArray());
        Assert.All(risky, r => Assert.True(r.GetProperty("contribution").GetDouble() > 0));
        Assert.True(risky[0].GetProperty("contribution").GetDouble() >= risky[1].GetProperty("contribution").GetDouble());
        Assert.Contains(risky, r => r.GetProperty("text").GetString() == "The amount requested is high");
        // A short, small credit moved nothing toward default that has a reason; age is never a reason.
        var safe = scores[1].GetProperty("reasons").EnumerateArray().ToArray();
        Assert.DoesNotContain(
            scores.EnumerateArray().SelectMany(s => s.GetProperty("reasons").EnumerateArray()),
            r => r.GetProperty("features").EnumerateArray().Any(f => f.GetString() == "Age")
        );
        Assert.Empty(safe);
    }

    [Fact]
    public async Task A_reason_code_file_that_leaves_a_feature_without_a_reason_is_refused_and_nothing_is_served()
    {
        var (modelId, artifact, approvalId) = await Approved();
        using var host = ScoringHost(modelId, artifact, approvalId, reasonCodesFile: ReasonCodes(withAmount: false));
        var health = await WaitForHealth(host.CreateClient());
        Assert.Equal("model_unloadable", health.GetProperty("code").GetString());
        Assert.Contains("missing: Amount", health.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Register_validate_approve_attest_load_and_score_then_revoke_and_the_server_refuses()
    {
        var (modelId, artifact, approvalId) = await Approved();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/attestation").Expect(HttpStatusCode.OK);

        using var host = ScoringHost(modelId, artifact, approvalId);
        var scorer = host.CreateClient();
        var health = await WaitForHealth(scorer);
        Assert.Equal("serving", health.GetProperty("status").GetString());
        Assert.Equal(digest, health.GetProperty("artifactDigest").GetString());

        var scores = await ScoreRiskyAndSafe(scorer);
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
    public async Task An_hour_of_re_verification_adds_no_event_while_a_load_a_refusal_and_each_change_of_state_add_one()
    {
        var artifact = TrainArtifact();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var ledger = new PartitionableLedger(new HttpLedgerClient(app.As("model-server-hour", Roles.DeploymentPipeline)));
        using var host = ScoringHost(modelId, artifact, approvalId, ledger, app.Clock);
        Assert.Equal("serving", (await WaitForHealth(host.CreateClient())).GetProperty("status").GetString());
        var served = host.Services.GetRequiredService<Governance.Serving.Host.ServedModel>();
        var path = Scenario.VersionPath(modelId);

        async Task<string[]> Events()
        {
            await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await session.Events.FetchStreamAsync(ModelVersion.StreamKey(modelId, "1.0.0"))).Select(e => e.EventTypeName).ToArray();
        }
        async Task<string> ETag()
        {
            using var response = await _ledger.Auditor.GetAsync(path);
            return response.Headers.ETag!.Tag;
        }
        async Task<DateTimeOffset> LastVerified() =>
            Assert
                .Single((await _ledger.Auditor.GetAsync($"{path}/serving").Expect(HttpStatusCode.OK)).EnumerateArray())
                .GetProperty("lastVerification")
                .GetProperty("verifiedAt")
                .GetDateTimeOffset();
        async Task Minutes(int minutes)
        {
            for (var i = 0; i < minutes; i++)
            {
                app.Clock.Offset += TimeSpan.FromMinutes(1);
                await served.ReverifyAsync(CancellationToken.None);
            }
        }

        var loaded = await Events();
        Assert.Equal("model_loaded", loaded[^1]);
        var etag = await ETag();
        try
        {
            // One simulated hour, a check every 60 s: the last-verified record advances, the version does not move.
            var verified = DateTimeOffset.MinValue;
            for (var minute = 1; minute <= 60; minute++)
            {
                await Minutes(1);
                var last = await LastVerified();
                Assert.True(last >= verified + TimeSpan.FromMinutes(1), $"minute {minute}: last verified {last:O} after {verified:O}");
                verified = last;
            }
            Assert.Equal(loaded, await Events());
            Assert.Equal(etag, await ETag());
            Assert.NotNull(served.Current);

            // A change of state: an outage past the grace stops the model (told to the ledger when it answers again), then it
            // serves again: one event each, however many checks ran in between.
            ledger.Unreachable = true;
            await Minutes(8);
            Assert.Null(served.Current);
            Assert.Equal(loaded, await Events());
            ledger.Unreachable = false;
            await Minutes(1);
            Assert.NotNull(served.Current);
            string[] stoppedAndServingAgain = [.. loaded, "model_load_refused", "model_loaded"];
            Assert.Equal(stoppedAndServingAgain, await Events());

            // A refusal: the approval is revoked; an hour of retries while stopped adds nothing more.
            await _ledger
                .OfficerRita.PostAsJsonAsync($"{path}/approvals/{approvalId}/revocation", new { reason = "Drift beyond tolerance" })
                .Expect(HttpStatusCode.OK);
            var revoked = await Events();
            await Minutes(60);
            Assert.Null(served.Current);
            Assert.Equal("approval_revoked", served.Refusal!.Code);
            string[] stopped = [.. revoked, "model_load_refused"];
            Assert.Equal(stopped, await Events());
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
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
