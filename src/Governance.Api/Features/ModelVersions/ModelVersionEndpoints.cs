using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;
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

    /// <summary>A retirement, suspension or lifting, with its reason.</summary>
    public sealed record RetireRequest(string? Reason);

    public static RouteGroupBuilder MapModelVersions(this RouteGroupBuilder api)
    {
        var versions = api.MapGroup("/models/{modelId}/versions").WithTags("Model versions");
        versions
            .MapPost("/", RegisterModelVersion)
            .WithBodyLimit(1 << 20)
            .AllowRoles(ModelVersionRecords.RegisterRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
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
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(RetireModelVersion))
            .WithSummary("Retire a version: it can no longer be approved or deployed. Its owner, a delegate or a risk officer.");
        versions
            .MapPost("/{version}/suspension", SuspendModelVersion)
            .AllowRoles(ModelVersionRecords.SuspendRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(SuspendModelVersion))
            .WithSummary(
                "Stop use of a version at once: its approvals are suspended, so the approval check, deployments and model servers refuse "
                    + "it. Its owner or a delegate (the owner's action, never blocked by segregation of duties) or a risk officer."
            );
        versions
            .MapPost("/{version}/suspension/lifting", LiftModelVersionSuspension)
            .AllowRoles(ModelVersionRecords.SuspendRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(LiftModelVersionSuspension))
            .WithSummary("Lift a suspension; one imposed by a risk officer only a risk officer may lift.");
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
        PointInTime history,
        HttpContext http
    )
    {
        var target = new VersionRef(modelId, version);
        var point = await http.ResolveAsync(history);
        var found = await versions.GetAsync(target, http.RequestAborted, point) ?? throw target.NotFound();
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

    private static async Task<IResult> SuspendModelVersion(
        string modelId,
        string version,
        RetireRequest body,
        ModelVersionRecords versions,
        HttpContext http
    ) =>
        (
            await versions.SuspendAsync(
                new VersionRef(modelId, version),
                new SuspendModelVersion(body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> LiftModelVersionSuspension(
        string modelId,
        string version,
        RetireRequest body,
        ModelVersionRecords versions,
        HttpContext http
    ) =>
        (
            await versions.LiftSuspensionAsync(
                new VersionRef(modelId, version),
                new LiftModelVersionSuspension(body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);
}
