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

        var findings = version.MapGroup("/findings").WithTags("Validation findings");
        findings
            .MapGet("/", GetVersionFindings)
            .AllowRoles(FindingRecords.ReadRoles)
            .WithName(nameof(GetVersionFindings))
            .WithSummary("The findings of the version's latest validation with their owner, due date, status and remediation.");
        findings
            .MapPost("/{findingId}/assignment", AssignFinding)
            .AllowRoles(FindingRecords.AssignRoles)
            .WithName(nameof(AssignFinding))
            .WithSummary("A validator or risk officer gives a finding an owner (subject id) and a due date; again, it reassigns.");
        findings
            .MapPost("/{findingId}/remediation", ProposeRemediation)
            .WithBodyLimit(64 << 10)
            .AllowRoles(FindingRecords.RemediateRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(ProposeRemediation))
            .WithSummary("The finding's owner (or the model's owner or a delegate) proposes its remediation with evidence.");
        findings
            .MapPost("/{findingId}/remediation-rejection", RejectRemediation)
            .AllowRoles(FindingRecords.JudgeRoles)
            .WithName(nameof(RejectRemediation))
            .WithSummary("A validator sends a proposed remediation back, with the reason; the finding is open again.");
        findings
            .MapPost("/{findingId}/closure", CloseFinding)
            .AllowRoles(FindingRecords.JudgeRoles)
            .WithName(nameof(CloseFinding))
            .WithSummary(
                "A validator closes a finding (Remediated: the proposed remediation is accepted; RiskAccepted). Neither the finding's "
                    + "owner, the remediation's proposer nor the model's first line may close it."
            );
        api.MapGroup("/findings")
            .WithTags("Validation findings")
            .MapGet("/", GetOpenFindings)
            .AllowRoles(FindingRecords.ReadRoles)
            .WithName(nameof(GetOpenFindings))
            .WithSummary("The findings register: every finding not closed, soonest due first (unassigned last).");
        return api;
    }

    private static async Task<IResult> GetVersionFindings(string modelId, string version, FindingRecords findings, HttpContext http) =>
        TypedResults.Ok(await findings.OfVersionAsync(new VersionRef(modelId, version), http.RequestAborted));

    private static async Task<IResult> GetOpenFindings(FindingRecords findings, HttpContext http) =>
        TypedResults.Ok(await findings.OpenAsync(http.RequestAborted));

    private static async Task<IResult> AssignFinding(
        string modelId,
        string version,
        string findingId,
        AssignFinding command,
        FindingRecords findings,
        HttpContext http
    ) =>
        (
            await findings.AssignAsync(new VersionRef(modelId, version), findingId, command, await http.CallAsync(), http.RequestAborted)
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> ProposeRemediation(
        string modelId,
        string version,
        string findingId,
        ProposeRemediation command,
        FindingRecords findings,
        HttpContext http
    ) =>
        (
            await findings.ProposeRemediationAsync(
                new VersionRef(modelId, version),
                findingId,
                command,
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RejectRemediation(
        string modelId,
        string version,
        string findingId,
        RejectRemediation command,
        FindingRecords findings,
        HttpContext http
    ) =>
        (
            await findings.RejectRemediationAsync(
                new VersionRef(modelId, version),
                findingId,
                command,
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> CloseFinding(
        string modelId,
        string version,
        string findingId,
        CloseFinding command,
        FindingRecords findings,
        HttpContext http
    ) =>
        (
            await findings.CloseAsync(new VersionRef(modelId, version), findingId, command, await http.CallAsync(), http.RequestAborted)
        ).ToResult(LedgerCalls.Ok);

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
