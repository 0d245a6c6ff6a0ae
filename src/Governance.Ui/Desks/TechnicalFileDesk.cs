using System.Security.Claims;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.Datasets;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.People;
using Governance.Ledger.TechnicalDocumentation;

namespace Governance.Ui.Desks;

/// <summary>A model's technical documentation page: the model, its versions, the technical file, the chosen version (null on
/// the model's page) with its Annex IV checklist, the registered datasets to link, and the people directory's names.</summary>
public sealed record TechnicalFilePage(
    Model Model,
    IReadOnlyList<ModelVersion> Versions,
    TechnicalFile File,
    ModelVersion? Version,
    IReadOnlyList<AnnexIvItem> Checklist,
    IReadOnlyList<Dataset> Datasets,
    PeopleNames Names
);

/// <summary>The technical documentation desk: read a model's file, record statements and risks (owners and delegates), accept
/// residual risk (risk officers) and sign the declaration of conformity (risk officers, administrators), as the signed-in
/// person; the ledger decides.</summary>
public interface ITechnicalFileDesk
{
    /// <summary>The page, or null when the model (or the named version) is not registered.</summary>
    Task<TechnicalFilePage?> PageAsync(string modelId, string? version, CancellationToken ct);

    /// <summary>Risks of every model awaiting acceptance or past their review date (the dashboard's list).</summary>
    Task<IReadOnlyList<RiskStanding>> OpenRisksAsync(CancellationToken ct);
    Task<DecisionOutcome> RecordStatementAsync(
        ClaimsPrincipal person,
        string modelId,
        RecordTechnicalDocumentation command,
        CancellationToken ct
    );
    Task<DecisionOutcome> RecordRiskAsync(ClaimsPrincipal person, string modelId, RecordRisk command, CancellationToken ct);
    Task<DecisionOutcome> AcceptResidualRiskAsync(ClaimsPrincipal person, string modelId, AcceptResidualRisk command, CancellationToken ct);
    Task<DecisionOutcome> SignDeclarationAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        SignDeclarationOfConformity command,
        CancellationToken ct
    );
}

internal sealed class LedgerTechnicalFileDesk(
    ModelInventory inventory,
    ModelVersionRecords versions,
    TechnicalFileRecords files,
    DatasetRegister datasets,
    IPeopleDirectory people
) : ITechnicalFileDesk
{
    public async Task<TechnicalFilePage?> PageAsync(string modelId, string? version, CancellationToken ct)
    {
        if (await inventory.LoadAsync(modelId, ct) is not { } model)
            return null;
        var all = await versions.OfModelAsync(modelId, ct);
        var chosen = version is null ? null : all.FirstOrDefault(v => v.Version == version);
        if (version is not null && chosen is null)
            return null;
        var file = await files.GetAsync(modelId, ct);
        return new TechnicalFilePage(
            model,
            all,
            file,
            chosen,
            chosen is null ? [] : AnnexIvChecklist.For(chosen, file),
            await datasets.ListAsync(ct),
            await people.NamesAsync(ct)
        );
    }

    public Task<IReadOnlyList<RiskStanding>> OpenRisksAsync(CancellationToken ct) => files.OpenRisksAsync(ct);

    public Task<DecisionOutcome> RecordStatementAsync(
        ClaimsPrincipal person,
        string modelId,
        RecordTechnicalDocumentation command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => files.RecordDocumentationAsync(modelId, command, PersonCalls.Call(person), ct),
            r => $"Revision {r.Revision} of {DocumentationItems.Describe(r.Item).Title.ToLowerInvariant()} is recorded."
        );

    public Task<DecisionOutcome> RecordRiskAsync(ClaimsPrincipal person, string modelId, RecordRisk command, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => files.RecordRiskAsync(modelId, command, PersonCalls.Call(person), ct),
            r => $"Risk {r.Id} revision {r.Current.Revision} is recorded; its residual risk awaits a risk officer's acceptance."
        );

    public Task<DecisionOutcome> AcceptResidualRiskAsync(
        ClaimsPrincipal person,
        string modelId,
        AcceptResidualRisk command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => files.AcceptResidualRiskAsync(modelId, command, PersonCalls.Call(person), ct),
            r => $"The residual risk of {r.Id} revision {r.Current.Revision} is accepted."
        );

    public Task<DecisionOutcome> SignDeclarationAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        SignDeclarationOfConformity command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => files.SignDeclarationAsync(new VersionRef(modelId, version), command, PersonCalls.Call(person), ct),
            d => $"The EU declaration of conformity for {version} is signed ({d.SignedAt:yyyy-MM-dd})."
        );
}

/// <summary>Every command of the technical documentation desk passes the session guard first (a revoked session or role acts
/// no more).</summary>
internal sealed class GuardedTechnicalFileDesk(LedgerTechnicalFileDesk desk, ISessionGuard guard) : ITechnicalFileDesk
{
    public Task<TechnicalFilePage?> PageAsync(string modelId, string? version, CancellationToken ct) =>
        desk.PageAsync(modelId, version, ct);

    public Task<IReadOnlyList<RiskStanding>> OpenRisksAsync(CancellationToken ct) => desk.OpenRisksAsync(ct);

    public Task<DecisionOutcome> RecordStatementAsync(
        ClaimsPrincipal person,
        string modelId,
        RecordTechnicalDocumentation command,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Act, current => desk.RecordStatementAsync(current, modelId, command, ct), ct);

    public Task<DecisionOutcome> RecordRiskAsync(ClaimsPrincipal person, string modelId, RecordRisk command, CancellationToken ct) =>
        Guarded.RunAsync(guard, person, SessionUse.Act, current => desk.RecordRiskAsync(current, modelId, command, ct), ct);

    public Task<DecisionOutcome> AcceptResidualRiskAsync(
        ClaimsPrincipal person,
        string modelId,
        AcceptResidualRisk command,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.AcceptResidualRiskAsync(current, modelId, command, ct), ct);

    public Task<DecisionOutcome> SignDeclarationAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        SignDeclarationOfConformity command,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.SignDeclarationAsync(current, modelId, version, command, ct), ct);
}
