using Governance.Api.Features.AuditTrail;
using Governance.Api.Features.Datasets;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Documents.EvidencePacks;
using Governance.Domain.EvidencePacks;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Governance.Api.Features.EvidencePacks;

public sealed record IssuedPack(
    string Kind,
    string Sha256,
    long SizeBytes,
    int Pages,
    long LedgerPosition,
    Actor IssuedTo,
    DateTimeOffset IssuedAt
);

public static class EvidencePackEndpoints
{
    public static RouteGroupBuilder MapEvidencePacks(this RouteGroupBuilder api)
    {
        var packs = api.MapGroup("/models/{modelId}/versions/{version}/evidence-packs").WithTags("Evidence packs");

        packs
            .MapGet(
                "/{kind}",
                (
                    string modelId,
                    string version,
                    string kind,
                    IDocumentSession session,
                    IOptions<JsonOptions> json,
                    HttpContext http,
                    TimeProvider clock
                ) => Issue(modelId, version, kind, session, json.Value.SerializerOptions, http, clock)
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer)
            .WithName("DownloadEvidencePack")
            .WithSummary(
                "A PDF evidence pack for one version (model-card, eu-ai-act-annex-iv, sr-11-7), built from the ledger; its SHA-256 is recorded with who downloaded it."
            );

        packs
            .MapGet(
                "/",
                async (string modelId, string version, IQuerySession session, CancellationToken ct) =>
                {
                    if (await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(modelId, version), ct) is null)
                        throw ModelVersionEndpoints.NotFound(modelId, version);
                    var events = await session.Events.FetchStreamAsync(EvidencePackIssued.StreamKey(modelId, version), token: ct);
                    return Results.Ok(
                        events
                            .Select(e => (EvidencePackIssued)e.Data)
                            .Select(p => new IssuedPack(
                                p.Kind,
                                p.Sha256,
                                p.SizeBytes,
                                p.Pages,
                                p.LedgerPosition,
                                p.Audit.Actor,
                                p.Audit.At
                            ))
                    );
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer)
            .WithName("ListIssuedEvidencePacks")
            .WithSummary(
                "Every evidence pack issued for a version: kind, SHA-256, ledger position, who and when; for re-verifying a copy."
            );
        return api;
    }

    /// <summary>The web UI's download link: the same pack and the same issue record, for a person signed in with the cookie.</summary>
    public static IEndpointRouteBuilder MapEvidencePackDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet(
                "/evidence-packs/{modelId}/{version}/{kind}",
                (
                    string modelId,
                    string version,
                    string kind,
                    IDocumentSession session,
                    IOptions<JsonOptions> json,
                    HttpContext http,
                    TimeProvider clock
                ) => Issue(modelId, version, kind, session, json.Value.SerializerOptions, http, clock)
            )
            .RequireAuthorization(p => p.AddAuthenticationSchemes(IdentitySetup.UiCookie).RequireRole(Roles.Auditor, Roles.RiskOfficer))
            .WithMetadata(new ActingRoles([Roles.Auditor, Roles.RiskOfficer]))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Renders a pack from the ledger, records who was issued which bytes, and returns the PDF.</summary>
    private static async Task<IResult> Issue(
        string modelId,
        string version,
        string kind,
        IDocumentSession session,
        System.Text.Json.JsonSerializerOptions json,
        HttpContext http,
        TimeProvider clock
    )
    {
        var ct = http.RequestAborted;
        var packKind =
            EvidencePack.FromSlug(kind)
            ?? throw GovernanceRuleException.InvalidField(
                "kind",
                $"must be one of: {string.Join(", ", Enum.GetValues<EvidencePackKind>().Select(EvidencePack.Slug))}"
            );
        var input = await InputAsync(session, modelId, version, json, ct);
        var (pdf, pages) = EvidencePack.Render(packKind, input);
        var digest = Digest.OfBytes(pdf);
        var context = new CommandContext(http.Actor(), clock.GetUtcNow(), http.CorrelationId());
        session.Events.Append(
            EvidencePackIssued.StreamKey(modelId, version),
            new EvidencePackIssued(
                modelId,
                version,
                EvidencePack.Slug(packKind),
                digest,
                pdf.LongLength,
                pages,
                input.LedgerPosition,
                context.Audit($"Evidence pack {EvidencePack.Slug(packKind)} issued")
            )
        );
        await session.SaveChangesAsync(ct);
        http.Response.Headers["X-Content-SHA256"] = digest;
        return Results.File(pdf, "application/pdf", $"{modelId}-{version}-{EvidencePack.Slug(packKind)}.pdf");
    }

    /// <summary>The ledger facts a pack is drawn from, read at the version's current stream position.</summary>
    public static async Task<EvidencePackInput> InputAsync(
        IQuerySession session,
        string modelId,
        string version,
        System.Text.Json.JsonSerializerOptions json,
        CancellationToken ct
    )
    {
        var state =
            await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(modelId, version), ct)
            ?? throw ModelVersionEndpoints.NotFound(modelId, version);
        var model =
            await session.LoadAsync<Model>(modelId, ct)
            ?? throw GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.");
        var events = await session.Events.FetchStreamAsync(state.Id, token: ct);
        var trail = events
            .Select(e =>
            {
                var audit = ((ILedgerEvent)e.Data).Audit;
                return new TrailEntry(
                    e.Sequence,
                    e.Version,
                    audit.At,
                    audit.Actor.DisplayName,
                    audit.Actor.Role,
                    e.EventTypeName,
                    audit.Reason,
                    AuditTrailEndpoints.PayloadDigest(e.Data, json)
                );
            })
            .ToArray();
        return new EvidencePackInput(
            model,
            state,
            await session.FindByDigestAsync(state.TrainingDatasetDigest, ct),
            await session.FindByDigestAsync(state.ValidationDatasetDigest, ct),
            trail
        );
    }
}
