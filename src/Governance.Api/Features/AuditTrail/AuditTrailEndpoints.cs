using Governance.Api.Hosting;
using Governance.Domain.Shared;
using Governance.Ledger.AuditTrail;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.AuditTrail;

/// <summary>A model's audit trail over HTTP, paged.</summary>
public static class AuditTrailEndpoints
{
    public static RouteGroupBuilder MapAuditTrail(this RouteGroupBuilder api)
    {
        api.MapGet("/models/{modelId}/audit-trail", GetAuditTrail)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithTags("Audit trail")
            .WithName(nameof(GetAuditTrail))
            .WithSummary(
                "Every event of a model and its versions, in ledger order, with actor, time, reason and payload; page with after=nextAfter."
            );
        return api;
    }

    private static async Task<Ok<AuditTrailPage>> GetAuditTrail(
        string modelId,
        long? after,
        int? limit,
        EventTrail trail,
        CancellationToken ct
    ) => TypedResults.Ok(await trail.ModelTrailAsync(modelId, after, limit, ct));
}
