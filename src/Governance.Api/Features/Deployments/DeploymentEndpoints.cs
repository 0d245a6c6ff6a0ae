using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Ledger.Deployments;
using Governance.Ledger.ModelVersions;

namespace Governance.Api.Features.Deployments;

/// <summary>Deployments and rollbacks as pipelines report them; a refused deployment is recorded and answered 409.</summary>
public static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeployments(this RouteGroupBuilder api)
    {
        var version = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Deployments");
        version
            .MapPost("/deployments", RecordDeployment)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(RecordDeployment))
            .WithSummary(
                "A pipeline records a deployment. Without an active approval for this digest and environment it is refused (409) "
                    + "and the refused attempt is recorded."
            );
        version
            .MapPost("/rollbacks", RecordRollback)
            .AllowRoles(DeploymentRecords.Roles)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName(nameof(RecordRollback))
            .WithSummary("A pipeline records that it rolled this version back out of an environment.");
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

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Refusal(DeploymentRefused refused) =>
        Problems.RecordedRefusal("deployment.refused", "Deployment refused: no active approval covers it", refused.Reasons);
}
