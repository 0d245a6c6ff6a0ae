using System.Globalization;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.EvidencePacks;

/// <summary>
/// Evidence packs over HTTP (and the UI's cookie download): render now or as of an earlier time or position (<c>?asOf=</c>,
/// <c>?asOfPosition=</c>, as every point-in-time answer), record the issued bytes' SHA-256, fetch the pack issued with a digest,
/// list issued packs. A pack's response states its SHA-256, the ledger position it reflects, the renderer version, and the
/// pack originally issued at that position.
/// </summary>
public static class EvidencePackEndpoints
{
    /// <summary>The ledger position the pack reflects and states (the highest event it was drawn from).</summary>
    public const string PositionHeader = "Evidence-Pack-Position";

    public const string RendererVersionHeader = "Evidence-Pack-Renderer-Version";

    /// <summary>The digest of the pack of this kind first issued at this position (this one when it is the first).</summary>
    public const string OriginalHeader = "Evidence-Pack-Original-SHA256";

    /// <summary>The renderer version of that original; absent when it was not recorded.</summary>
    public const string OriginalRendererVersionHeader = "Evidence-Pack-Original-Renderer-Version";

    /// <summary><c>true</c> when these bytes are the original's, <c>false</c> when they differ (another renderer version, or
    /// since then the people directory's names changed or the position was sealed in the transparency log).</summary>
    public const string SameAsOriginalHeader = "Evidence-Pack-Same-As-Original";

    public static RouteGroupBuilder MapEvidencePacks(this RouteGroupBuilder api)
    {
        api.MapGet("/evidence-packs/{sha256}", FetchEvidencePack)
            .WithTags("Evidence packs")
            .AllowRoles(EvidencePackIssuer.Roles)
            .WithName(nameof(FetchEvidencePack))
            .WithSummary(
                "The evidence pack issued with this SHA-256, byte for byte as it was issued (the ledger keeps every issued pack); "
                    + "the fetch is recorded like a download."
            );
        var packs = api.MapGroup("/models/{modelId}/versions/{version}/evidence-packs").WithTags("Evidence packs");
        packs
            .MapGet("/{kind}", DownloadEvidencePack)
            .AllowRoles(EvidencePackIssuer.Roles)
            .WithName(nameof(DownloadEvidencePack))
            .WithSummary(
                "A PDF evidence pack for one version (model-card, eu-ai-act-annex-iv, sr-11-7), built from the ledger now or as of "
                    + "?asOf= / ?asOfPosition=; its SHA-256 is recorded with who downloaded it and its bytes are kept."
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
        PointInTime history,
        HttpContext http
    )
    {
        var point = await http.ResolveAsync(history);
        // A download is a read that leaves a record: no expected version or idempotency key applies.
        var call = new CommandCall(http.Caller(), http.CorrelationId());
        return Pdf(http, await packs.IssueAsync(new VersionRef(modelId, version), kind, point, call, http.RequestAborted));
    }

    private static async Task<FileContentHttpResult> FetchEvidencePack(string sha256, EvidencePackIssuer packs, HttpContext http) =>
        Pdf(http, await packs.FetchAsync(sha256, new CommandCall(http.Caller(), http.CorrelationId()), http.RequestAborted));

    private static FileContentHttpResult Pdf(HttpContext http, IssuedPdf issued)
    {
        var headers = http.Response.Headers;
        headers["X-Content-SHA256"] = issued.Sha256;
        headers[PositionHeader] = issued.Position.ToString(CultureInfo.InvariantCulture);
        if (issued.RendererVersion is { } renderer)
            headers[RendererVersionHeader] = renderer.ToString(CultureInfo.InvariantCulture);
        if (issued.OriginallyIssued is { } original)
        {
            headers[OriginalHeader] = original.Sha256;
            if (original.RendererVersion is { } originalRenderer)
                headers[OriginalRendererVersionHeader] = originalRenderer.ToString(CultureInfo.InvariantCulture);
            headers[SameAsOriginalHeader] = original.Sha256 == issued.Sha256 ? "true" : "false";
        }
        return TypedResults.File(issued.Pdf, "application/pdf", issued.FileName);
    }

    private static async Task<Ok<IReadOnlyList<IssuedPack>>> ListIssuedEvidencePacks(
        string modelId,
        string version,
        EvidencePackIssuer packs,
        CancellationToken ct
    ) => TypedResults.Ok(await packs.IssuedAsync(new VersionRef(modelId, version), ct));
}
