using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Domain.Shared;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>The people of a bank's model-risk process, and the steps that bring a model version through its lifecycle over HTTP.</summary>
public sealed class Scenario(LedgerApp app)
{
    public HttpClient Owner { get; } = app.As("owner-olivia", Roles.ModelOwner);
    public HttpClient Validator { get; } = app.As("validator-victor", Roles.Validator);
    public HttpClient OfficerRita { get; } = app.As("officer-rita", Roles.RiskOfficer);
    public HttpClient OfficerRavi { get; } = app.As("officer-ravi", Roles.RiskOfficer);
    public HttpClient Pipeline { get; } = app.As("pipeline-ci", Roles.DeploymentPipeline);
    public HttpClient Auditor { get; } = app.As("auditor-ada", Roles.Auditor);
    public HttpClient Anonymous { get; } = app.As(null);

    public HttpClient As(string subject, string roles) => app.As(subject, roles);

    public static string NewId(string prefix = "m") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static string DigestOf(string text) => Digest.OfText(text);

    public static string Expiry(int days = 365) => DateTimeOffset.UtcNow.AddDays(days).ToString("O");

    public async Task<string> RegisterModel(string modelId, string riskTier = "Low") =>
        (await Owner.PostAsJsonAsync("/api/v1/models", ModelBody(modelId, riskTier: riskTier)).Expect(HttpStatusCode.Created))
            .GetProperty("id")
            .GetString()!;

    /// <summary>A model registration body; a high-risk one names its EU AI Act category.</summary>
    public static object ModelBody(string modelId, string? name = null, string riskTier = "Low", string[]? jurisdictions = null) =>
        new
        {
            modelId,
            name = name ?? $"Model {modelId}",
            businessPurpose = "Scores retail credit applications",
            riskTier,
            euAiActCategory = riskTier == "High" ? "Annex III 5(b) creditworthiness assessment" : null,
            jurisdictions = jurisdictions ?? ["EU", "DE"],
        };

    /// <summary>Registers a one-file dataset and returns its manifest digest.</summary>
    public async Task<string> RegisterDataset(string? name = null) =>
        (await Owner.PostAsJsonAsync("/api/v1/datasets", DatasetBody(name ?? NewId("ds"))).Expect(HttpStatusCode.Created))
            .GetProperty("manifestDigest")
            .GetString()!;

    public static object DatasetBody(string name, string? sha256 = null, string? manifestDigest = null) =>
        new
        {
            name,
            version = "2024.1",
            description = "Applications 2019-2023",
            files = new[]
            {
                new
                {
                    path = "applications.csv",
                    sha256 = sha256 ?? DigestOf(name),
                    sizeBytes = 135006,
                },
            },
            manifestDigest,
            rowCount = 1000,
            schema = new[] { new { name = "Amount", type = "float" }, new { name = "Class", type = "string" } },
            containsPersonalData = true,
            legalBasis = "Contract",
        };

    public async Task<string> RegisterVersion(
        string modelId,
        string version = "1.0.0",
        string? artifactDigest = null,
        string? datasetDigest = null
    )
    {
        datasetDigest ??= await RegisterDataset();
        artifactDigest ??= DigestOf($"{modelId}/{version}");
        await Owner
            .PostAsJsonAsync($"/api/v1/models/{modelId}/versions", VersionBody(version, artifactDigest, datasetDigest))
            .Expect(HttpStatusCode.Created);
        return artifactDigest;
    }

    public static object VersionBody(string version, string artifactDigest, string datasetDigest) =>
        new
        {
            version,
            artifactUri = $"s3://models/{version}/model.zip",
            artifactDigest,
            artifactSizeBytes = 48213,
            format = "MlNetZip",
            trainingDatasetDigest = datasetDigest,
            validationDatasetDigest = datasetDigest,
            metrics = new Dictionary<string, double> { ["auc"] = 0.79, ["gini"] = 0.58 },
            codeCommit = "3f2c1e9",
            hyperparameters = new Dictionary<string, string> { ["trees"] = "100" },
        };

    public async Task Validate(string modelId, string version = "1.0.0", string outcome = "Passed")
    {
        await Owner
            .PostAsJsonAsync($"{VersionPath(modelId, version)}/validation-submissions", new { summary = "Development pack v1" })
            .Expect(HttpStatusCode.OK);
        await Validator
            .PostAsJsonAsync(
                $"{VersionPath(modelId, version)}/validation",
                new
                {
                    outcome,
                    opinion = "Conceptually sound; discrimination adequate on holdout.",
                    findings = new[]
                    {
                        new
                        {
                            severity = "Medium",
                            title = "Calibration drifts above 0.6",
                            status = "Open",
                        },
                    },
                }
            )
            .Expect(HttpStatusCode.OK);
    }

    public async Task<string> RequestApproval(string modelId, string version = "1.0.0", string environment = "production") =>
        (
            await Owner
                .PostAsJsonAsync(
                    $"{VersionPath(modelId, version)}/approvals",
                    new { environment, intendedUse = "Retail credit decisions in DE" }
                )
                .Expect(HttpStatusCode.Created)
        )
            .GetProperty("id")
            .GetString()!;

    public Task<HttpResponseMessage> SignOff(
        HttpClient officer,
        string modelId,
        string approvalId,
        string digest,
        string environment = "production",
        string version = "1.0.0",
        string? expiresAt = null
    ) =>
        officer.PostAsJsonAsync(
            $"{VersionPath(modelId, version)}/approvals/{approvalId}/sign-offs",
            new
            {
                artifactDigest = digest,
                environment,
                rationale = "Validation findings are proportionate; approved for use.",
                conditions = new[] { "Quarterly monitoring of PSI" },
                expiresAt = expiresAt ?? Expiry(),
            }
        );

    /// <summary>A version validated and approved for <paramref name="environment"/> (two officers when high risk).</summary>
    public async Task<(string ModelId, string Digest, string ApprovalId)> ApprovedVersion(
        string riskTier = "Low",
        string environment = "production"
    )
    {
        var modelId = await RegisterModel(NewId(), riskTier);
        var digest = await RegisterVersion(modelId);
        await Validate(modelId);
        var approvalId = await RequestApproval(modelId, environment: environment);
        await SignOff(OfficerRita, modelId, approvalId, digest, environment).Expect(HttpStatusCode.OK);
        if (riskTier == "High")
            await SignOff(OfficerRavi, modelId, approvalId, digest, environment).Expect(HttpStatusCode.OK);
        return (modelId, digest, approvalId);
    }

    public Task<JsonElement> Check(string modelId, string digest, string environment = "production", string version = "1.0.0") =>
        Pipeline
            .GetAsync($"/api/v1/approvals/check?model={modelId}&version={version}&digest={digest}&environment={environment}")
            .Expect(HttpStatusCode.OK);

    public Task<HttpResponseMessage> Deploy(
        string modelId,
        string digest,
        string environment = "production",
        string run = "run-1",
        string version = "1.0.0"
    ) =>
        Pipeline.PostAsJsonAsync(
            $"{VersionPath(modelId, version)}/deployments",
            new
            {
                environment,
                pipelineRunId = run,
                artifactDigest = digest,
            }
        );

    public Task<JsonElement> GetVersion(string modelId, string version = "1.0.0") =>
        Auditor.GetAsync(VersionPath(modelId, version)).Expect(HttpStatusCode.OK);

    public static string VersionPath(string modelId, string version = "1.0.0") => $"/api/v1/models/{modelId}/versions/{version}";
}

public static class HttpAssertions
{
    /// <summary>Asserts the status (showing the body when it differs) and returns the JSON body.</summary>
    public static async Task<JsonElement> Expect(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == status,
            $"Expected {(int)status} {status} but got {(int)response.StatusCode} {response.StatusCode}: {body}"
        );
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and code; returns it.</summary>
    public static async Task<JsonElement> ExpectProblem(this Task<HttpResponseMessage> call, HttpStatusCode status, string code)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    public static IEnumerable<string> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!);
}
