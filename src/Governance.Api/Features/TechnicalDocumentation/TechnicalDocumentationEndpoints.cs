using Governance.Api.Hosting;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.TechnicalDocumentation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.TechnicalDocumentation;

/// <summary>
/// The technical documentation (EU AI Act Art. 11, Annex IV), the risk management file (Art. 9) and the EU declaration of
/// conformity (Art. 47): recorded statements that later revisions supersede and never edit.
/// </summary>
public static class TechnicalDocumentationEndpoints
{
    /// <summary>A risk officer's acceptance of the revision they read.</summary>
    public sealed record AcceptResidualRiskRequest(int? Revision, string? Rationale);

    /// <summary>A version's documentation: each item's statement in force (the version's own, else the model's), the risk file,
    /// the declarations of conformity (the last in force) and completeness against Annex IV.</summary>
    public sealed record VersionDocumentation(
        string ModelId,
        string Version,
        IReadOnlyList<ItemInForce> Items,
        IReadOnlyList<TrackedRisk> Risks,
        IReadOnlyList<DeclarationOfConformity> Declarations,
        IReadOnlyList<AnnexIvItem> AnnexIv
    );

    /// <summary>One item with the statement in force for the version (null when none is recorded).</summary>
    public sealed record ItemInForce(DocumentationItem Item, string Point, string Title, DocumentationRecord? InForce);

    public static RouteGroupBuilder MapTechnicalDocumentation(this RouteGroupBuilder api)
    {
        var readers = new[] { Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin };
        var file = api.MapGroup("/models/{modelId}/technical-file").WithTags("Technical documentation");
        file.MapGet("/", GetTechnicalFile)
            .AllowRoles(readers)
            .WithName(nameof(GetTechnicalFile))
            .WithSummary("The model's technical file: every revision of every statement (model and versions) and the risk file.");
        file.MapPost("/documentation", RecordModelDocumentation)
            .AllowRoles(TechnicalFileRecords.RecordRoles)
            .WithScopes(Identity.ApiScopes.FirstLineWrite)
            .WithName(nameof(RecordModelDocumentation))
            .WithSummary(
                "Record a statement of the technical documentation for every version (the owner or a delegate); to supersede the "
                    + "item's statement send its current revision as supersedes."
            );
        file.MapGet("/documentation/{item}", GetDocumentationHistory)
            .AllowRoles(readers)
            .WithName(nameof(GetDocumentationHistory))
            .WithSummary("Every revision of one item, oldest first: of the model, or of one version (?version=).");
        file.MapPost("/risks", RecordNewRisk)
            .AllowRoles(TechnicalFileRecords.RecordRoles)
            .WithScopes(Identity.ApiScopes.FirstLineWrite)
            .WithName(nameof(RecordNewRisk))
            .WithSummary("Record a risk of the risk management file (Art. 9); it gets the next id (R-n) and awaits acceptance.");
        file.MapPost("/risks/{riskId}", ReassessRisk)
            .AllowRoles(TechnicalFileRecords.RecordRoles)
            .WithScopes(Identity.ApiScopes.FirstLineWrite)
            .WithName(nameof(ReassessRisk))
            .WithSummary("Reassess a risk: a new revision superseding the current one (send it as supersedes); needs acceptance again.");
        file.MapPost("/risks/{riskId}/acceptance", AcceptResidualRisk)
            .AllowRoles(TechnicalFileRecords.AcceptRoles)
            .WithName(nameof(AcceptResidualRisk))
            .WithSummary(
                "Accept the residual risk of the risk's current revision (a risk officer, as a person, independent of the model and "
                    + "the assessment)."
            );
        var ofVersion = api.MapGroup("/models/{modelId}/versions/{version}").WithTags("Technical documentation");
        ofVersion
            .MapGet("/technical-documentation", GetVersionDocumentation)
            .AllowRoles(readers)
            .WithName(nameof(GetVersionDocumentation))
            .WithSummary("The version's documentation in force, its risk file and declarations, and its completeness against Annex IV.");
        ofVersion
            .MapPost("/technical-documentation", RecordVersionDocumentation)
            .AllowRoles(TechnicalFileRecords.RecordRoles)
            .WithScopes(Identity.ApiScopes.FirstLineWrite)
            .WithName(nameof(RecordVersionDocumentation))
            .WithSummary("Record a statement that holds for this version only (it takes precedence over the model's statement).");
        ofVersion
            .MapPost("/declaration-of-conformity", SignDeclarationOfConformity)
            .AllowRoles(TechnicalFileRecords.DeclareRoles)
            .WithName(nameof(SignDeclarationOfConformity))
            .WithSummary(
                "Sign the EU declaration of conformity (Art. 47, Annex V) for this version's artifact: a risk officer or an "
                    + "administrator, as a person, is the signatory."
            );
        api.MapGroup("/risks")
            .WithTags("Technical documentation")
            .MapGet("/open", ListOpenRisks)
            .AllowRoles(readers)
            .WithName(nameof(ListOpenRisks))
            .WithSummary("Risks of every model awaiting acceptance of their residual risk or past their review date.");
        return api;
    }

    private static async Task<Ok<TechnicalFile>> GetTechnicalFile(string modelId, TechnicalFileRecords files, CancellationToken ct) =>
        TypedResults.Ok(await files.GetAsync(modelId, ct));

    private static async Task<Ok<IReadOnlyList<DocumentationRecord>>> GetDocumentationHistory(
        string modelId,
        string item,
        string? version,
        TechnicalFileRecords files,
        CancellationToken ct
    )
    {
        var parsed =
            Enum.TryParse<DocumentationItem>(item, ignoreCase: false, out var value) && Enum.IsDefined(value)
                ? value
                : throw GovernanceRuleException.InvalidField(
                    "item",
                    $"must be one of: {string.Join(", ", Enum.GetNames<DocumentationItem>())}"
                );
        return TypedResults.Ok((await files.GetAsync(modelId, ct)).History(parsed, version));
    }

    private static async Task<IResult> RecordModelDocumentation(
        string modelId,
        RecordTechnicalDocumentation body,
        TechnicalFileRecords files,
        HttpContext http
    ) =>
        (await files.RecordDocumentationAsync(modelId, OnPath(body, null), await http.CallAsync(), http.RequestAborted)).ToResult(
            Created(modelId)
        );

    private static async Task<IResult> RecordVersionDocumentation(
        string modelId,
        string version,
        RecordTechnicalDocumentation body,
        TechnicalFileRecords files,
        HttpContext http
    ) =>
        (await files.RecordDocumentationAsync(modelId, OnPath(body, version), await http.CallAsync(), http.RequestAborted)).ToResult(
            Created(modelId)
        );

    private static Func<DocumentationRecord, HttpAnswer> Created(string modelId) =>
        r =>
            LedgerCalls.Created(
                r,
                $"/api/v1/models/{modelId}/technical-file/documentation/{r.Item}{(r.Version is null ? "" : $"?version={r.Version}")}"
            );

    private static async Task<IResult> RecordNewRisk(string modelId, RecordRisk body, TechnicalFileRecords files, HttpContext http) =>
        (await files.RecordRiskAsync(modelId, OnPath(body, null), await http.CallAsync(), http.RequestAborted)).ToResult(r =>
            LedgerCalls.Created(r, $"/api/v1/models/{modelId}/technical-file")
        );

    private static async Task<IResult> ReassessRisk(
        string modelId,
        string riskId,
        RecordRisk body,
        TechnicalFileRecords files,
        HttpContext http
    ) => (await files.RecordRiskAsync(modelId, OnPath(body, riskId), await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> AcceptResidualRisk(
        string modelId,
        string riskId,
        AcceptResidualRiskRequest body,
        TechnicalFileRecords files,
        HttpContext http
    ) =>
        (
            await files.AcceptResidualRiskAsync(
                modelId,
                new AcceptResidualRisk(riskId, body.Revision, body.Rationale),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> SignDeclarationOfConformity(
        string modelId,
        string version,
        SignDeclarationOfConformity body,
        TechnicalFileRecords files,
        HttpContext http
    ) =>
        (await files.SignDeclarationAsync(new VersionRef(modelId, version), body, await http.CallAsync(), http.RequestAborted)).ToResult(
            d => LedgerCalls.Created(d, $"/api/v1/models/{modelId}/versions/{version}/technical-documentation")
        );

    private static async Task<Ok<VersionDocumentation>> GetVersionDocumentation(
        string modelId,
        string version,
        TechnicalFileRecords files,
        ModelVersionRecords versions,
        CancellationToken ct
    )
    {
        var target = new VersionRef(modelId, version);
        var state = (await versions.StateAsync(target, ct) ?? throw target.NotFound()).State;
        var file = await files.GetAsync(modelId, ct);
        return TypedResults.Ok(Of(state, file));
    }

    /// <summary>The command with the version its path names: a version in the body is refused, so that a statement meant for
    /// one version is never recorded for every version.</summary>
    private static RecordTechnicalDocumentation OnPath(RecordTechnicalDocumentation body, string? version) =>
        body.Version is null
            ? body with
            {
                Version = version,
            }
            : throw GovernanceRuleException.InvalidField(
                "version",
                "is named by the path (.../versions/{version}/technical-documentation), not the body"
            );

    /// <summary>The command for the risk its path names (none: a new risk); a risk id in the body is refused.</summary>
    private static RecordRisk OnPath(RecordRisk body, string? riskId) =>
        body.RiskId is null
            ? body with
            {
                RiskId = riskId,
            }
            : throw GovernanceRuleException.InvalidField("riskId", "is named by the path (.../risks/{riskId}), not the body");

    /// <summary>The version's documentation as the API and the UI show it.</summary>
    public static VersionDocumentation Of(ModelVersion version, TechnicalFile file) =>
        new(
            version.ModelId,
            version.Version,
            Enum.GetValues<DocumentationItem>()
                .Select(item =>
                {
                    var (point, title) = DocumentationItems.Describe(item);
                    return new ItemInForce(item, point, title, file.InForce(item, version.Version));
                })
                .ToArray(),
            file.Risks,
            version.Declarations,
            AnnexIvChecklist.For(version, file)
        );

    private static async Task<Ok<IReadOnlyList<RiskStanding>>> ListOpenRisks(TechnicalFileRecords files, CancellationToken ct) =>
        TypedResults.Ok(await files.OpenRisksAsync(ct));
}
