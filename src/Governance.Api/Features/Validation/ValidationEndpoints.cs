using Governance.Api.Features.ModelVersions;
using Governance.Api.Hosting;
using Governance.Api.Ledger;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Api.Features.Validation;

public static class ValidationEndpoints
{
    public static RouteGroupBuilder MapValidation(this RouteGroupBuilder api)
    {
        var version = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Independent validation");

        version
            .MapPost(
                "/validation-submissions",
                (string modelId, string version, SubmitForValidation command, Commands commands, HttpContext http) =>
                    commands.OnVersion(http, modelId, version, (v, ctx) => [ValidationDecisions.Decide(command, v, ctx)])
            )
            .AllowRoles(Roles.ModelOwner)
            .WithName("SubmitForValidation")
            .WithSummary("Hand a version to independent validation with its evidence.");

        version
            .MapPost(
                "/validation",
                (string modelId, string version, RecordValidationOutcome command, Commands commands, HttpContext http) =>
                    commands.OnVersion(http, modelId, version, (v, ctx) => [ValidationDecisions.Decide(command, v, ctx)])
            )
            .AllowRoles(Roles.Validator)
            .WithName("RecordValidationOutcome")
            .WithSummary("Record the independent validator's outcome and findings; the validator cannot be the model owner.");

        return api;
    }
}
