using Governance.Api.Features.Datasets;
using Governance.Api.Hosting;
using Governance.Api.Ledger;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Api.Features.ModelVersions;

/// <summary>A model version's full state, inline: what the approval check and every command on a version read.</summary>
public sealed class ModelVersionProjection : SingleStreamProjection<ModelVersion, string>
{
    public ModelVersionProjection() => IncludeType<IModelVersionEvent>();

    public override ModelVersion? Evolve(ModelVersion? snapshot, string id, IEvent e) => ModelVersion.Evolve(snapshot, e.Data);
}

public static class ModelVersionEndpoints
{
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
        string? Reason
    );

    public sealed record RetireRequest(string? Reason);

    /// <summary>Runs a lifecycle command against an existing version's stream; 404 if the version is not registered.</summary>
    public static Task<IResult> OnVersion(
        this Commands commands,
        HttpContext http,
        string modelId,
        string version,
        Func<ModelVersion, CommandContext, IReadOnlyList<object>> decide,
        Func<Decided<ModelVersion>, CommandAnswer>? answer = null,
        Func<Decided<ModelVersion>, IReadOnlyList<object>>? followUp = null
    ) =>
        commands.Execute<ModelVersion>(
            http,
            ModelVersion.StreamKey(modelId, version),
            (state, ctx) => decide(state ?? throw NotFound(modelId, version), ctx),
            ModelVersion.Evolve,
            answer ?? (d => new CommandAnswer(StatusCodes.Status200OK, d.After!)),
            followUp
        );

    public static GovernanceRuleException NotFound(string modelId, string version) =>
        GovernanceRuleException.NotFound("model_version.not_found", $"Model '{modelId}' has no registered version '{version}'.");

    public static RouteGroupBuilder MapModelVersions(this RouteGroupBuilder api)
    {
        var versions = api.MapGroup("/models/{modelId}/versions").WithTags("Model versions");

        versions
            .MapPost(
                "/",
                async (string modelId, RegisterVersionRequest body, Commands commands, HttpContext http, CancellationToken ct) =>
                {
                    var session = commands.Session;
                    var model = await session.LoadAsync<Model>(modelId, ct);
                    var training = await session.FindByDigestAsync(body.TrainingDatasetDigest, ct);
                    var validation = await session.FindByDigestAsync(body.ValidationDatasetDigest, ct);
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
                        body.Reason
                    );
                    return await commands.Execute<ModelVersion>(
                        http,
                        ModelVersion.StreamKey(modelId, body.Version ?? ""),
                        (existing, ctx) => [RegisterModelVersionDecision.Decide(command, model, existing, training, validation, ctx)],
                        ModelVersion.Evolve,
                        d => new CommandAnswer(
                            StatusCodes.Status201Created,
                            d.After!,
                            $"/api/v1/models/{modelId}/versions/{d.After!.Version}"
                        )
                    );
                }
            )
            .AllowRoles(Roles.ModelOwner)
            .WithName("RegisterModelVersion")
            .WithSummary("Register a model version: its artifact digest, datasets by digest, metrics, code commit and hyperparameters.");

        versions
            .MapGet(
                "/{version}",
                async (string modelId, string version, IQuerySession session, HttpContext http, CancellationToken ct) =>
                {
                    var key = ModelVersion.StreamKey(modelId, version);
                    var state = await session.LoadAsync<ModelVersion>(key, ct) ?? throw NotFound(modelId, version);
                    var stream = await session.Events.FetchStreamStateAsync(key, ct);
                    http.Response.Headers.ETag = $"\"{stream?.Version ?? 0}\"";
                    return Results.Ok(state);
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName("GetModelVersion")
            .WithSummary("One version's state: facts, validation, approvals, deployments. The ETag is its stream version, for If-Match.");

        versions
            .MapPost(
                "/{version}/retirement",
                (string modelId, string version, RetireRequest body, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) => [RetireModelVersionDecision.Decide(new RetireModelVersion(body.Reason), v, ctx)]
                    )
            )
            .AllowRoles(Roles.ModelOwner, Roles.RiskOfficer)
            .WithName("RetireModelVersion")
            .WithSummary("Retire a version: it can no longer be approved or deployed.");

        return api;
    }
}
