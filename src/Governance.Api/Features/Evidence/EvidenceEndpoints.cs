using Governance.Api.Hosting;
using Governance.Domain.Evidence;
using Governance.Domain.Shared;
using Governance.Ledger.Evidence;
using Governance.Ledger.ModelVersions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Evidence;

/// <summary>Explainability and validation evidence on a model version: record a report, list the recorded ones.</summary>
public static class EvidenceEndpoints
{
    /// <summary>A report as <c>governance evidence compute</c> wrote it, and why it is recorded.</summary>
    public sealed record RecordEvidenceRequest(EvidenceReport? Report, string? Reason);

    public static RouteGroupBuilder MapEvidence(this RouteGroupBuilder api)
    {
        var evidence = api.MapGroup("/models/{modelId}/versions/{version}/evidence").WithTags("Evidence");
        evidence
            .MapPost("/", RecordEvidence)
            .WithBodyLimit(1 << 20)
            .AllowRoles(EvidenceRecords.RecordRoles)
            .WithName(nameof(RecordEvidence))
            .WithSummary(
                "Record explainability and validation evidence (TreeSHAP, permutation importance, metrics, calibration, threshold, "
                    + "bias) computed from this version's artifact on a registered dataset's file."
            );
        evidence
            .MapGet("/", ListEvidence)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName(nameof(ListEvidence))
            .WithSummary("The evidence recorded on a version, oldest first.");
        return api;
    }

    private static async Task<IResult> RecordEvidence(
        string modelId,
        string version,
        RecordEvidenceRequest body,
        EvidenceRecords evidence,
        HttpContext http
    ) =>
        (
            await evidence.RecordAsync(
                new VersionRef(modelId, version),
                new RecordEvidenceReport(body.Report, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(v => LedgerCalls.Created(v.Evidence[^1], $"/api/v1/models/{modelId}/versions/{version}/evidence"));

    private static async Task<Ok<IReadOnlyList<RecordedEvidence>>> ListEvidence(
        string modelId,
        string version,
        ModelVersionRecords versions,
        HttpContext http
    )
    {
        var target = new VersionRef(modelId, version);
        var found = await versions.StateAsync(target, http.RequestAborted) ?? throw target.NotFound();
        http.Response.Headers.ETag = $"\"{found.StreamVersion}\"";
        return TypedResults.Ok(found.State.Evidence);
    }
}
