using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;

namespace Governance.Api.Features.Deployments;

/// <summary>
/// The deployment lifecycle as pipelines report it (start, complete, fail, rollback; and record, which is start and complete
/// at once), and the environment slots, now or as of a past point. A refused start or record is recorded and answered 409.
/// </summary>
public static class DeploymentEndpoints
{
    /// <summary>Who may read slots and environment history: people who read the inventory, and pipelines.</summary>
    private static readonly string[] Readers =
    [
        Roles.Auditor,
        Roles.RiskOfficer,
        Roles.Validator,
        Roles.ModelOwner,
        Roles.Admin,
        Roles.DeploymentPipeline,
    ];

    public static RouteGroupBuilder MapDeployments(this RouteGroupBuilder api)
    {
        var version = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Deployments");
        version
            .MapPost("/deployments", RecordDeployment)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(RecordDeployment))
            .WithSummary(
                "A pipeline records a deployment (started and completed at once): it replaces the environment's live version. "
                    + "Without an active approval for this digest and environment it is refused (409) and the refused attempt is recorded."
            );
        version
            .MapPost("/deployments/start", StartDeployment)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(StartDeployment))
            .WithSummary(
                "A pipeline starts a deployment (live, canary or shadow slot): the approval check is made now and its answer, approval "
                    + "and expiry recorded (201); without an active approval the refused attempt is recorded (409)."
            );
        version
            .MapPost("/rollbacks", RecordRollback)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(RecordRollback))
            .WithSummary("A pipeline records that it took this version out of an environment; the slot then has no live version.");

        var slot = api.MapGroup("/models/{modelId}/environments").WithTags("Deployments");
        slot.MapPost("/{environment}/deployments/{deploymentId}/completion", CompleteDeployment)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(CompleteDeployment))
            .WithSummary(
                "A started deployment finished rolling out: it fills its slot, replacing the previous occupant; whether its approval "
                    + "still stood (or expired, was revoked or suspended meanwhile) is recorded. Answers the event and the slot's "
                    + "occupants; its whole history is GET /models/{modelId}/environments/{environment}."
            );
        slot.MapPost("/{environment}/deployments/{deploymentId}/failure", FailDeployment)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(FailDeployment))
            .WithSummary("A started deployment failed (reason required); the slot keeps what it had.");
        slot.MapPost("/{environment}/rollback", RollbackToPrevious)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(RollbackToPrevious))
            .WithSummary(
                "Roll the live version back to the previous one, if it still holds a valid approval for the environment; otherwise "
                    + "refused (409 rollback.no_valid_approval) unless emergency is true: then recorded as an emergency rollback, flagged."
            );
        slot.MapGet("/", GetSlots)
            .AllowRoles(Readers)
            .WithScopes(ApiScopes.LedgerRead, ApiScopes.ApprovalsRead)
            .WithName(nameof(GetSlots))
            .WithSummary("A model's environment slots (live, canary, shadow, in flight, history), now or ?asOf= / ?asOfPosition=.");
        slot.MapGet("/{environment}", GetSlot)
            .AllowRoles(Readers)
            .WithScopes(ApiScopes.LedgerRead, ApiScopes.ApprovalsRead)
            .WithName(nameof(GetSlot))
            .WithSummary("One environment slot of a model, now or ?asOf= / ?asOfPosition=, with the position used.");

        api.MapGet("/environments/{environment}/history", GetEnvironmentHistory)
            .WithTags("Deployments")
            .AllowRoles(Readers)
            .WithScopes(ApiScopes.LedgerRead, ApiScopes.ApprovalsRead)
            .WithName(nameof(GetEnvironmentHistory))
            .WithSummary(
                "Which version of each model was live (and canary, shadow) in an environment, from and to (positions and times), as "
                    + "known now or ?asOf= / ?asOfPosition=; liveAtPosition answers \"what was live then\"."
            );
        return api;
    }

    private static async Task<IResult> RecordDeployment(
        string modelId,
        string version,
        RecordDeployment command,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (
            await deployments.RecordDeploymentAsync(new VersionRef(modelId, version), command, await http.CallAsync(), http.RequestAborted)
        ).ToResult(outcome =>
            outcome.Refused is { } refused
                ? LedgerCalls.Answer(StatusCodes.Status409Conflict, Refusal(refused))
                : LedgerCalls.Answer(StatusCodes.Status201Created, outcome.Deployed!)
        );

    private static async Task<IResult> StartDeployment(
        string modelId,
        string version,
        StartDeployment command,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (await deployments.StartAsync(new VersionRef(modelId, version), command, await http.CallAsync(), http.RequestAborted)).ToResult(
            outcome =>
                outcome.Refused is { } refused
                    ? LedgerCalls.Answer(StatusCodes.Status409Conflict, Refusal(refused))
                    : LedgerCalls.Answer(StatusCodes.Status201Created, outcome.Started!)
        );

    private static async Task<IResult> RecordRollback(
        string modelId,
        string version,
        RecordRollback command,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (
            await deployments.RecordRollbackAsync(new VersionRef(modelId, version), command, await http.CallAsync(), http.RequestAborted)
        ).ToResult(e => LedgerCalls.Answer(StatusCodes.Status201Created, e));

    /// <summary>The body of a completion: an optional note.</summary>
    public sealed record CompletionRequest(string? Reason);

    /// <summary>The body of a failure: why it failed (required).</summary>
    public sealed record FailureRequest(string? Reason);

    private static async Task<IResult> CompleteDeployment(
        string modelId,
        string environment,
        string deploymentId,
        CompletionRequest body,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (
            await deployments.CompleteAsync(
                new SlotRef(modelId, environment),
                new CompleteDeployment(deploymentId, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> FailDeployment(
        string modelId,
        string environment,
        string deploymentId,
        FailureRequest body,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (
            await deployments.FailAsync(
                new SlotRef(modelId, environment),
                new FailDeployment(deploymentId, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RollbackToPrevious(
        string modelId,
        string environment,
        RollbackDeployment command,
        DeploymentRecords deployments,
        HttpContext http
    ) =>
        (await deployments.RollbackAsync(new SlotRef(modelId, environment), command, await http.CallAsync(), http.RequestAborted)).ToResult(
            step => LedgerCalls.Answer(StatusCodes.Status201Created, step)
        );

    private static async Task<IResult> GetSlots(string modelId, EnvironmentSlots slots, PointInTime history, HttpContext http)
    {
        new InputCheck().Slug(modelId, "modelId").ThrowIfAny();
        var point = await http.ResolveAsync(history);
        return TypedResults.Ok(await slots.OfModelAsync(modelId, point, http.RequestAborted));
    }

    private static async Task<IResult> GetSlot(
        string modelId,
        string environment,
        EnvironmentSlots slots,
        PointInTime history,
        HttpContext http
    )
    {
        var target = new SlotRef(modelId, environment).Checked();
        var point = await http.ResolveAsync(history);
        return (await slots.OfModelAsync(modelId, point, http.RequestAborted)).FirstOrDefault(s => s.Environment == environment) is { } view
            ? TypedResults.Ok(view)
            : throw GovernanceRuleException.NotFound(
                "slot.not_found",
                $"Model '{target.ModelId}' had no deployment in '{target.Environment}' at ledger position {point.Position}."
            );
    }

    private static async Task<IResult> GetEnvironmentHistory(
        string environment,
        EnvironmentSlots slots,
        PointInTime history,
        HttpContext http
    )
    {
        new InputCheck().Slug(environment, "environment").ThrowIfAny();
        var point = await http.ResolveAsync(history);
        return TypedResults.Ok(await slots.HistoryAsync(environment, point, http.RequestAborted));
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Refusal(DeploymentRefused refused) =>
        Problems.RecordedRefusal("deployment.refused", "Deployment refused: no active approval covers it", refused.Reasons);
}
