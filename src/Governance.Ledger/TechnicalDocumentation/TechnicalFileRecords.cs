using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.Datasets;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.TechnicalDocumentation;

/// <summary>The technical files, inline: one document per model's technical-file stream.</summary>
public sealed class TechnicalFileProjection : SingleStreamProjection<TechnicalFile, string>
{
    public TechnicalFileProjection() => IncludeType<ITechnicalFileEvent>();

    public override TechnicalFile? Evolve(TechnicalFile? snapshot, string id, IEvent e) => TechnicalFile.Evolve(snapshot, e.Data);
}

/// <summary>A risk of some model's file as the dashboard lists it: awaiting acceptance, or past its review date.</summary>
public sealed record RiskStanding(string ModelId, TrackedRisk Risk, bool ReviewOverdue);

/// <summary>
/// A model's technical documentation (EU AI Act Art. 11, Annex IV) and risk management file (Art. 9), on the model's
/// technical-file stream (<see cref="TechnicalFile.StreamKey"/>), and the EU declaration of conformity (Art. 47), on the
/// version's own stream; all through the one write path.
/// </summary>
public sealed class TechnicalFileRecords(IDocumentStore store, LedgerWriter writer, DatasetRegister datasets, TimeProvider clock)
{
    /// <summary>Who records documentation and risks: the model's first line (owner and delegates, checked by the decider).</summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.ModelOwner];

    /// <summary>Who accepts residual risk: risk officers (persons; checked again by the decider).</summary>
    public static readonly IReadOnlyList<string> AcceptRoles = [Roles.RiskOfficer];

    /// <summary>Who signs the declaration of conformity: a risk officer or an administrator, as a person.</summary>
    public static readonly IReadOnlyList<string> DeclareRoles = [Roles.RiskOfficer, Roles.Admin];

    /// <summary>Records a statement on the model or, when the command names one, on one of its versions.</summary>
    /// <returns>The revision recorded.</returns>
    /// <exception cref="GovernanceRuleException">Invalid fields; model or version not found; forbidden; conflict on a stale
    /// <c>supersedes</c>.</exception>
    public async Task<Written<DocumentationRecord>> RecordDocumentationAsync(
        string modelId,
        RecordTechnicalDocumentation command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await ModelAsync(modelId, ct);
        var registered = new HashSet<string>(StringComparer.Ordinal);
        await using (var session = store.QuerySession())
        {
            if (command.Version is { } label && new InputCheck().VersionLabel(label, "version").Passes)
            {
                var target = new VersionRef(modelId, label);
                target.Require(await session.LoadAsync<ModelVersion>(target.StreamKey, ct));
            }
        }
        foreach (var digest in (command.DatasetDigests ?? []).OfType<string>().Where(Digest.IsSha256).Distinct().Take(100))
            if ((await datasets.WithDigestAsync(digest, ct)).Count > 0)
                registered.Add(digest);
        return await writer.DecideAsync<TechnicalFile, DocumentationRecord>(
            TechnicalFile.StreamKey(modelId),
            TechnicalFile.Evolve,
            call,
            RecordRoles,
            (file, context) => TechnicalFileDecisions.Decide(command, model, file, registered.Contains, context),
            w => w.After!.Records[^1],
            ct
        );
    }

    /// <summary>Records a new risk, or a reassessment of one.</summary>
    /// <returns>The risk with every revision.</returns>
    /// <exception cref="GovernanceRuleException">Invalid fields; model or risk not found; forbidden; conflict on a stale
    /// <c>supersedes</c>.</exception>
    public async Task<Written<TrackedRisk>> RecordRiskAsync(string modelId, RecordRisk command, CommandCall call, CancellationToken ct)
    {
        var model = await ModelAsync(modelId, ct);
        return await writer.DecideAsync<TechnicalFile, TrackedRisk>(
            TechnicalFile.StreamKey(modelId),
            TechnicalFile.Evolve,
            call,
            RecordRoles,
            (file, context) => TechnicalFileDecisions.Decide(command, model, file, context),
            w => w.After!.Risks.Single(r => r.Id == ((RiskRecorded)w.Events[^1]).RiskId),
            ct
        );
    }

    /// <summary>Records a risk officer's acceptance of a risk's residual risk.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; model or risk not found; forbidden (not a risk officer, a machine
    /// client, or not independent of the risk); conflict on a superseded revision or a second acceptance.</exception>
    public async Task<Written<TrackedRisk>> AcceptResidualRiskAsync(
        string modelId,
        AcceptResidualRisk command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await ModelAsync(modelId, ct);
        return await writer.DecideAsync<TechnicalFile, TrackedRisk>(
            TechnicalFile.StreamKey(modelId),
            TechnicalFile.Evolve,
            call,
            AcceptRoles,
            (file, context) => TechnicalFileDecisions.Decide(command, model, file, context),
            w => w.After!.Risk(command.RiskId)!,
            ct
        );
    }

    /// <summary>Signs the EU declaration of conformity into the version's record.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; version not found; forbidden; conflict when retired.</exception>
    public Task<Written<DeclarationOfConformity>> SignDeclarationAsync(
        VersionRef target,
        SignDeclarationOfConformity command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => DeclareRoles,
            (model, version, context) => DeclarationOfConformityDecision.Decide(command, model, version, context),
            w => w.After!.Declarations[^1],
            ct
        );

    /// <summary>The model's technical file (empty when nothing is recorded yet).</summary>
    /// <exception cref="GovernanceRuleException">NotFound when the model is not registered.</exception>
    public async Task<TechnicalFile> GetAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        _ = await session.LoadAsync<Model>(modelId, ct) ?? throw ModelNotFound(modelId);
        return await ReadAsync(session, modelId, ct);
    }

    /// <summary>The technical file in <paramref name="session"/> (empty when nothing is recorded yet); evidence packs read it
    /// in the same session as the version.</summary>
    public static async Task<TechnicalFile> ReadAsync(IQuerySession session, string modelId, CancellationToken ct) =>
        await session.LoadAsync<TechnicalFile>(TechnicalFile.StreamKey(modelId), ct)
        ?? new TechnicalFile { Id = TechnicalFile.StreamKey(modelId), ModelId = modelId };

    /// <summary>Every risk, across models, whose residual risk awaits acceptance or whose review date has passed (the
    /// dashboard's list), by model and risk id.</summary>
    public async Task<IReadOnlyList<RiskStanding>> OpenRisksAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var now = clock.GetUtcNow();
        return (await session.Query<TechnicalFile>().ToListAsync(ct))
            .SelectMany(f => f.Risks.Select(r => new RiskStanding(f.ModelId, r, r.ReviewOverdueAt(now))))
            .Where(s => s.Risk.Status == RiskStatus.AwaitingAcceptance || s.ReviewOverdue)
            .OrderBy(s => s.ModelId, StringComparer.Ordinal)
            .ThenBy(s => s.Risk.Id.Length)
            .ThenBy(s => s.Risk.Id, StringComparer.Ordinal)
            .ToArray();
    }

    private async Task<Model> ModelAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Model>(modelId, ct) ?? throw ModelNotFound(modelId);
    }

    private static GovernanceRuleException ModelNotFound(string modelId) =>
        GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.");
}
