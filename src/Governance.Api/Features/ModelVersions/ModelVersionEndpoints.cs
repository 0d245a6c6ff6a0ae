using Governance.Api.Hosting;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.ModelVersions;

/// <summary>Model versions over HTTP: register, read (ETag = stream version), retire.</summary>
public static class ModelVersionEndpoints
{
    /// <summary>A version registration; <c>artifactFiles</c> registers a model directory (its digest and size then follow
    /// from the files).</summary>
    public sealed record RegisterVersionRequest(
        string? Version,
        string? ArtifactUri,
        string? ArtifactDigest,
        long? ArtifactSizeBytes,
        ArtifactFormat? Format,
        string? TrainingDatasetDigest,
        string? ValidationDatasetDigest,
        Dictionary<string, double>? Metrics,
        string? CodeCommit,
        Dictionary<string, string>? Hyperparameters,
        string? Reason,
        IReadOnlyList<ArtifactFile>? ArtifactFiles
    );

    public sealed record RetireRequest(string? Reason);

    public static RouteGroupBuilder MapModelVersions(this RouteGroupBuilder api)
    {
        var versions = api.MapGroup("/models/{modelId}/versions").WithTags("Model versions");
        versions
            .MapPost("/", RegisterModelVersion)
            .WithBodyLimit(1 << 20)
            .AllowRoles(ModelVersionRecords.RegisterRoles)
            .WithName(nameof(RegisterModelVersion))
            .WithSummary(
                "Register a model version: its artifact digest (or a model directory's files), datasets by digest, metrics, code "
                    + "commit and hyperparameters."
            );
        versions
            .MapGet("/{version}", GetModelVersion)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName(nameof(GetModelVersion))
            .WithSummary("One version's state: facts, validation, approvals, deployments. The ETag is its stream version, for If-Match.");
        versions
            .MapPost("/{version}/retirement", RetireModelVersion)
            .AllowRoles(ModelVersionRecords.RetireRoles)
            .WithName(nameof(RetireModelVersion))
            .WithSummary("Retire a version: it can no longer be approved or deployed.");
        return api;
    }

    private static async Task<IResult> RegisterModelVersion(
        string modelId,
        RegisterVersionRequest body,
        ModelVersionRecords versions,
        HttpContext http
    )
    {
        var command = new RegisterModelVersion(
            modelId,
            body.Version,
            body.ArtifactUri,
            body.ArtifactDigest,
            body.ArtifactSizeBytes,
            body.Format,
            body.TrainingDatasetDigest,
            body.ValidationDatasetDigest,
            body.Metrics,
            body.CodeCommit,
            body.Hyperparameters,
            body.Reason,
            body.ArtifactFiles
        );
        return (await versions.RegisterAsync(command, await http.CallAsync(), http.RequestAborted)).ToResult(v =>
            LedgerCalls.Created(v, $"/api/v1/models/{modelId}/versions/{v.Version}")
        );
    }

    private static async Task<Ok<ModelVersion>> GetModelVersion(
        string modelId,
        string version,
        ModelVersionRecords versions,
        HttpContext http
    )
    {
        var target = new VersionRef(modelId, version);
        var found = await versions.GetAsync(target, http.RequestAborted) ?? throw target.NotFound();
        http.Response.Headers.ETag = $"\"{found.StreamVersion}\"";
        return TypedResults.Ok(found.State);
    }

    private static async Task<IResult> RetireModelVersion(
        string modelId,
        string version,
        RetireRequest body,
        ModelVersionRecords versions,
        HttpContext http
    ) =>
        (
            await versions.RetireAsync(
                new VersionRef(modelId, version),
                new RetireModelVersion(body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);
}
