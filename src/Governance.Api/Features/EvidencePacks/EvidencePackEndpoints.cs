using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.EvidencePacks;

/// <summary>Evidence packs over HTTP (and the UI's cookie download): render, record the issued bytes' SHA-256, list issued packs.</summary>
public static class EvidencePackEndpoints
{
    public static RouteGroupBuilder MapEvidencePacks(this RouteGroupBuilder api)
    {
        var packs = api.MapGroup("/models/{modelId}/versions/{version}/evidence-packs").WithTags("Evidence packs");
        packs
            .MapGet("/{kind}", DownloadEvidencePack)
            .AllowRoles(EvidencePackIssuer.Roles)
            .WithName(nameof(DownloadEvidencePack))
            .WithSummary(
                "A PDF evidence pack for one version (model-card, eu-ai-act-annex-iv, sr-11-7), built from the ledger; "
                    + "its SHA-256 is recorded with who downloaded it."
            );
        packs
            .MapGet("/", ListIssuedEvidencePacks)
            .AllowRoles(EvidencePackIssuer.Roles)
            .WithName(nameof(ListIssuedEvidencePacks))
            .WithSummary(
                "Every evidence pack issued for a version: kind, SHA-256, ledger position, who and when; for re-verifying a copy."
            );
        return api;
    }

    /// <summary>The web UI's download link: the same pack and the same issue record, for a person signed in with the cookie.</summary>
    public static IEndpointRouteBuilder MapEvidencePackDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/evidence-packs/{modelId}/{version}/{kind}", DownloadEvidencePack)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(IdentitySetup.UiCookie).RequireRole([.. EvidencePackIssuer.Roles]))
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<FileContentHttpResult> DownloadEvidencePack(
        string modelId,
        string version,
        string kind,
        EvidencePackIssuer packs,
        HttpContext http
    )
    {
        // A download is a read that leaves a record: no expected version or idempotency key applies.
        var call = new CommandCall(http.Caller(), http.CorrelationId());
        var issued = await packs.IssueAsync(new VersionRef(modelId, version), kind, call, http.RequestAborted);
        http.Response.Headers["X-Content-SHA256"] = issued.Sha256;
        return TypedResults.File(issued.Pdf, "application/pdf", issued.FileName);
    }

    private static async Task<Ok<IReadOnlyList<IssuedPack>>> ListIssuedEvidencePacks(
        string modelId,
        string version,
        EvidencePackIssuer packs,
        CancellationToken ct
    ) => TypedResults.Ok(await packs.IssuedAsync(new VersionRef(modelId, version), ct));
}
