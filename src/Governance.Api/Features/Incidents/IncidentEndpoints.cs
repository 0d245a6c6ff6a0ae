using Governance.Api.Hosting;
using Governance.Domain.Incidents;
using Governance.Domain.Shared;
using Governance.Ledger.Incidents;
using Governance.Ledger.ModelVersions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Incidents;

/// <summary>Serious incidents (EU AI Act Art. 73): record one against a version, its report to the authority, corrective
/// actions; list them with their reporting deadlines.</summary>
public static class IncidentEndpoints
{
    /// <summary>An incident as the owner or a risk officer records it.</summary>
    /// <param name="AwareAt">When it became known (ISO 8601 with offset): the reporting period runs from then.</param>
    public sealed record RecordIncidentRequest(
        string? Description,
        IncidentCategory? Category,
        int? AffectedPersons,
        DateTimeOffset? AwareAt,
        string? Reason
    );

    public static RouteGroupBuilder MapIncidents(this RouteGroupBuilder api)
    {
        var readers = new[] { Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin };
        var ofVersion = api.MapGroup("/models/{modelId}/versions/{version}/incidents").WithTags("Incidents");
        ofVersion
            .MapPost("/", RecordIncident)
            .AllowRoles(IncidentRecords.RecordRoles)
            .WithName(nameof(RecordIncident))
            .WithSummary(
                "Record a serious incident with this version (the owner, a delegate or a risk officer); its report is due 15 days "
                    + "after awareness, 10 after a death, 2 for a widespread infringement or critical infrastructure (Art. 73)."
            );
        ofVersion
            .MapGet("/", ListVersionIncidents)
            .AllowRoles(readers)
            .WithName(nameof(ListVersionIncidents))
            .WithSummary("The version's incidents, newest first, each reported, due or overdue.");
        var incidents = api.MapGroup("/incidents").WithTags("Incidents");
        incidents
            .MapGet("/", ListIncidents)
            .AllowRoles(readers)
            .WithName(nameof(ListIncidents))
            .WithSummary("Every incident, newest first (open=true: those whose report is not recorded), each reported, due or overdue.");
        incidents
            .MapPost("/{incidentId}/report", RecordIncidentReport)
            .AllowRoles(IncidentRecords.RecordRoles)
            .WithName(nameof(RecordIncidentReport))
            .WithSummary("Record that the incident was reported to the market surveillance authority, with its reference.");
        incidents
            .MapPost("/{incidentId}/corrective-actions", RecordCorrectiveAction)
            .AllowRoles(IncidentRecords.RecordRoles)
            .WithName(nameof(RecordCorrectiveAction))
            .WithSummary("Record a corrective action taken after the incident.");
        return api;
    }

    private static async Task<IResult> RecordIncident(
        string modelId,
        string version,
        RecordIncidentRequest body,
        IncidentRecords incidents,
        HttpContext http
    ) =>
        (
            await incidents.RecordAsync(
                new VersionRef(modelId, version),
                id => new RecordSeriousIncident(id, body.Description, body.Category, body.AffectedPersons, body.AwareAt, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(i => LedgerCalls.Created(i, $"/api/v1/incidents/{i.Id}"));

    private static async Task<IResult> RecordIncidentReport(
        string incidentId,
        RecordIncidentReport body,
        IncidentRecords incidents,
        HttpContext http
    ) => (await incidents.ReportAsync(incidentId, body, await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RecordCorrectiveAction(
        string incidentId,
        RecordCorrectiveAction body,
        IncidentRecords incidents,
        HttpContext http
    ) => (await incidents.CorrectAsync(incidentId, body, await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<Ok<IReadOnlyList<IncidentStanding>>> ListVersionIncidents(
        string modelId,
        string version,
        IncidentRecords incidents,
        ModelVersionRecords versions,
        CancellationToken ct
    )
    {
        var target = new VersionRef(modelId, version);
        _ = await versions.StateAsync(target, ct) ?? throw target.NotFound();
        return TypedResults.Ok(await incidents.ListAsync(target, openOnly: false, ct));
    }

    private static async Task<Ok<IReadOnlyList<IncidentStanding>>> ListIncidents(
        bool? open,
        IncidentRecords incidents,
        CancellationToken ct
    ) => TypedResults.Ok(await incidents.ListAsync(null, open ?? false, ct));
}
