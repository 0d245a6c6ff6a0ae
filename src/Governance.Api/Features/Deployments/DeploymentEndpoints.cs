using Governance.Api.Features.ModelVersions;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Api.Features.Deployments;

public static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeployments(this RouteGroupBuilder api)
    {
        var version = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Deployments");

        version
            .MapPost(
                "/deployments",
                (string modelId, string version, RecordDeployment command, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) => [DeploymentDecisions.Decide(command, v, ctx)],
                        d =>
                            d.Events[0] is DeploymentRefused refused
                                ? new CommandAnswer(StatusCodes.Status409Conflict, Refusal(refused))
                                : new CommandAnswer(StatusCodes.Status201Created, d.Events[0])
                    )
            )
            .AllowRoles(Roles.DeploymentPipeline)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName("RecordDeployment")
            .WithSummary(
                "A pipeline records a deployment. Without an active approval for this digest and environment it is refused (409) and the refused attempt is recorded."
            );

        version
            .MapPost(
                "/rollbacks",
                (string modelId, string version, RecordRollback command, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) => [DeploymentDecisions.Decide(command, v, ctx)],
                        d => new CommandAnswer(StatusCodes.Status201Created, d.Events[0])
                    )
            )
            .AllowRoles(Roles.DeploymentPipeline)
            .WithScopes(ApiScopes.DeploymentsWrite)
            .WithName("RecordRollback")
            .WithSummary("A pipeline records that it rolled this version back out of an environment.");

        return api;
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Refusal(DeploymentRefused refused)
    {
        var problem = Commands.Problem(
            StatusCodes.Status409Conflict,
            "deployment.refused",
            "Deployment refused: no active approval covers it",
            string.Join(" ", refused.Reasons.Select(r => r.Message))
        );
        problem.Extensions["reasons"] = refused.Reasons;
        problem.Extensions["recorded"] = true;
        return problem;
    }
}
