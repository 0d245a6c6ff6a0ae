using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Incidents;

/// <summary>The incident register, inline: one document per incident stream.</summary>
public sealed class SeriousIncidentProjection : SingleStreamProjection<SeriousIncident, string>
{
    public SeriousIncidentProjection()
    {
        IncludeType<SeriousIncidentRecorded>();
        IncludeType<SeriousIncidentReported>();
        IncludeType<IncidentCorrectiveActionRecorded>();
    }

    public override SeriousIncident? Evolve(SeriousIncident? snapshot, string id, IEvent e) => SeriousIncident.Evolve(snapshot, e.Data);
}

/// <summary>An incident with where it stands now: reported, due or overdue.</summary>
public sealed record IncidentStanding(SeriousIncident Incident, IncidentReportingStatus Status);

/// <summary>
/// Serious incidents with model versions (EU AI Act Art. 73), each on a stream of its own (<c>incident-{uuid}</c>) so that the
/// version's stream and its ETag do not move; recorded through the one write path.
/// </summary>
public sealed class IncidentRecords(IDocumentStore store, LedgerWriter writer, TimeProvider clock)
{
    /// <summary>The roles that may record: the first line (the model's owner or a delegate; checked by the decider) and risk
    /// officers.</summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.ModelOwner, Roles.RiskOfficer];

    /// <summary>Records an incident with the version, under a new incident id.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; version or model not found; forbidden.</exception>
    public async Task<Written<SeriousIncident>> RecordAsync(
        VersionRef target,
        Func<string, RecordSeriousIncident> command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await target.ModelAsync(store, ct);
        ModelVersion version;
        await using (var session = store.QuerySession())
            version = target.Require(await session.LoadAsync<ModelVersion>(target.StreamKey, ct));
        var id = $"incident-{Guid.CreateVersion7(clock.GetUtcNow())}";
        return await writer.DecideAsync<SeriousIncident, SeriousIncident>(
            SeriousIncident.StreamKey(id),
            SeriousIncident.Evolve,
            call,
            RecordRoles,
            (state, context) => IncidentDecisions.Decide(command(id), model, version, state, context),
            w => w.After!,
            ct
        );
    }

    /// <summary>Records the report to the market surveillance authority.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; incident not found; forbidden; conflict when already reported.</exception>
    public Task<Written<SeriousIncident>> ReportAsync(
        string incidentId,
        RecordIncidentReport command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideOnIncidentAsync(
            incidentId,
            call,
            (model, incident, context) => IncidentDecisions.Decide(command, model, incident, context),
            ct
        );

    /// <summary>Records a corrective action.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; incident not found; forbidden.</exception>
    public Task<Written<SeriousIncident>> CorrectAsync(
        string incidentId,
        RecordCorrectiveAction command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideOnIncidentAsync(
            incidentId,
            call,
            (model, incident, context) => IncidentDecisions.Decide(command, model, incident, context),
            ct
        );

    /// <summary>Incidents, newest first: of one version when <paramref name="target"/> is given; only those whose report is not
    /// recorded when <paramref name="openOnly"/>; each with its standing now.</summary>
    public async Task<IReadOnlyList<IncidentStanding>> ListAsync(VersionRef? target, bool openOnly, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var query = session.Query<SeriousIncident>().AsQueryable();
        if (target is not null)
            query = query.Where(i => i.ModelId == target.ModelId && i.Version == target.Version);
        if (openOnly)
            query = query.Where(i => i.Report == null);
        var now = clock.GetUtcNow();
        return (await query.OrderByDescending(i => i.RecordedAt).ToListAsync(ct))
            .Select(i => new IncidentStanding(i, i.StatusAt(now)))
            .ToArray();
    }

    private async Task<Written<SeriousIncident>> DecideOnIncidentAsync(
        string incidentId,
        CommandCall call,
        Func<Model, SeriousIncident?, CommandContext, object> decide,
        CancellationToken ct
    )
    {
        SeriousIncident incident;
        await using (var session = store.QuerySession())
            incident =
                await session.LoadAsync<SeriousIncident>(SeriousIncident.StreamKey(incidentId), ct)
                ?? throw GovernanceRuleException.NotFound("incident.not_found", $"There is no incident '{incidentId}'.");
        var model = await new VersionRef(incident.ModelId, incident.Version).ModelAsync(store, ct);
        return await writer.DecideAsync<SeriousIncident, SeriousIncident>(
            SeriousIncident.StreamKey(incidentId),
            SeriousIncident.Evolve,
            call,
            RecordRoles,
            (state, context) => decide(model, state, context),
            w => w.After!,
            ct
        );
    }
}
