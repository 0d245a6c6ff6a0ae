using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Monitoring;

/// <summary>Monitoring reports (EU AI Act Art. 72 post-market monitoring): record one computed by the owner (the sample stays
/// with them), list a version's, read one.</summary>
public static class MonitoringEndpoints
{
    /// <summary>A report as <c>governance monitor</c> computes it.</summary>
    /// <param name="Environment">The environment the sample was drawn from (e.g. <c>production</c>).</param>
    /// <param name="Plan">The monitoring plan the verdicts follow from: required only when no approval of the version in the
    /// environment carries a signed plan (then the signed plan applies, and a stated plan must equal it).</param>
    public sealed record RecordMonitoringReportRequest(string? Environment, MonitoringPlan? Plan, MonitoringReport? Report, string? Reason);

    public static RouteGroupBuilder MapMonitoring(this RouteGroupBuilder api)
    {
        var readers = new[] { Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.DeploymentPipeline, Roles.Admin };
        var ofVersion = api.MapGroup("/models/{modelId}/versions/{version}/monitoring-reports").WithTags("Monitoring");
        ofVersion
            .MapPost("/", RecordMonitoringReport)
            .AllowRoles(MonitoringRecords.RecordRoles)
            .WithScopes(ApiScopes.LedgerWrite, ApiScopes.ModelsWrite, ApiScopes.DeploymentsWrite)
            .WithName(nameof(RecordMonitoringReport))
            .WithSummary(
                "Record a monitoring report of this version in an environment (the owner, a delegate or a deployment pipeline); "
                    + "refused unless it follows the plan and its verdicts follow from its statistics and the plan's thresholds."
            );
        api.MapGroup("/models/{modelId}/versions/{version}/monitoring-plan")
            .WithTags("Monitoring")
            .MapGet("/", GetGoverningMonitoringPlan)
            .AllowRoles(readers)
            .WithName(nameof(GetGoverningMonitoringPlan))
            .WithSummary(
                "The monitoring plan signed with the version's approval in an environment (environment=..., required), which "
                    + "its reports are judged against; 404 monitoring.no_plan when no granted approval there carries one."
            );
        ofVersion
            .MapGet("/", ListMonitoringReports)
            .AllowRoles(readers)
            .WithName(nameof(ListMonitoringReports))
            .WithSummary("The version's monitoring reports, newest first (environment=...: of one environment).");
        api.MapGroup("/monitoring-reports")
            .WithTags("Monitoring")
            .MapGet("/{reportId}", GetMonitoringReport)
            .AllowRoles(readers)
            .WithName(nameof(GetMonitoringReport))
            .WithSummary("One monitoring report with its plan, stream and digest.");
        return api;
    }

    private static async Task<IResult> RecordMonitoringReport(
        string modelId,
        string version,
        RecordMonitoringReportRequest body,
        MonitoringRecords reports,
        HttpContext http
    ) =>
        (
            await reports.RecordAsync(
                new VersionRef(modelId, version),
                body.Environment,
                body.Plan,
                body.Report,
                body.Reason,
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(r => LedgerCalls.Created(r, $"/api/v1/monitoring-reports/{r.ReportId}"));

    private static async Task<Ok<GoverningPlan>> GetGoverningMonitoringPlan(
        string modelId,
        string version,
        string? environment,
        MonitoringRecords reports,
        CancellationToken ct
    )
    {
        new InputCheck().Slug(environment, "environment").ThrowIfAny();
        var target = new VersionRef(modelId, version);
        return TypedResults.Ok(
            await reports.GoverningPlanAsync(target, environment!, ct)
                ?? throw GovernanceRuleException.NotFound(
                    "monitoring.no_plan",
                    $"No granted approval of {modelId} {version} in '{environment}' carries a signed monitoring plan: state the "
                        + "plan with each report (governance monitor --plan)."
                )
        );
    }

    private static async Task<Ok<IReadOnlyList<RecordedMonitoringReport>>> ListMonitoringReports(
        string modelId,
        string version,
        string? environment,
        MonitoringRecords reports,
        ModelVersionRecords versions,
        CancellationToken ct
    )
    {
        var target = new VersionRef(modelId, version);
        _ = await versions.StateAsync(target, ct) ?? throw target.NotFound();
        return TypedResults.Ok(await reports.ListAsync(target, environment, ct));
    }

    private static async Task<Ok<RecordedMonitoringReport>> GetMonitoringReport(
        string reportId,
        MonitoringRecords reports,
        CancellationToken ct
    ) =>
        TypedResults.Ok(
            await reports.GetAsync(reportId, ct)
                ?? throw GovernanceRuleException.NotFound("monitoring_report.not_found", $"There is no monitoring report '{reportId}'.")
        );
}
