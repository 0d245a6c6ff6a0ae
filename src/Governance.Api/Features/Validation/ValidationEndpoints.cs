using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Validation;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Validation;

namespace Governance.Api.Features.Validation;

/// <summary>Independent validation over HTTP: the owner submits, the validator records the outcome.</summary>
public static class ValidationEndpoints
{
    public static RouteGroupBuilder MapValidation(this RouteGroupBuilder api)
    {
        var version = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Independent validation");
        version
            .MapPost("/validation-submissions", SubmitForValidation)
            .AllowRoles(ValidationRecords.SubmitRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(SubmitForValidation))
            .WithSummary("Hand a version to independent validation with its evidence.");
        version
            .MapPost("/validation", RecordValidationOutcome)
            .WithBodyLimit(RequestGuards.MaxBodyBytes)
            .AllowRoles(ValidationRecords.RecordRoles)
            .WithName(nameof(RecordValidationOutcome))
            .WithSummary("Record the independent validator's outcome and findings; the validator cannot be the model owner.");
        return api;
    }

    private static async Task<IResult> SubmitForValidation(
        string modelId,
        string version,
        SubmitForValidation command,
        ValidationRecords validation,
        HttpContext http
    ) =>
        (await validation.SubmitAsync(new VersionRef(modelId, version), command, await http.CallAsync(), http.RequestAborted)).ToResult(
            LedgerCalls.Ok
        );

    private static async Task<IResult> RecordValidationOutcome(
        string modelId,
        string version,
        RecordValidationOutcome command,
        ValidationRecords validation,
        HttpContext http
    ) =>
        (
            await validation.RecordOutcomeAsync(new VersionRef(modelId, version), command, await http.CallAsync(), http.RequestAborted)
        ).ToResult(LedgerCalls.Ok);
}
