using Governance.Domain.Shared;

namespace Governance.Domain.Incidents;

/// <summary>
/// What made an incident serious (EU AI Act Art. 3(49)), which sets how soon it must be reported (Art. 73(2)-(4)).
/// </summary>
public enum IncidentCategory
{
    /// <summary>Art. 3(49)(a): the death of a person. Reported within 10 days (Art. 73(4)).</summary>
    Death,

    /// <summary>Art. 3(49)(a): serious harm to a person's health. Reported within 15 days (Art. 73(2)).</summary>
    SeriousHarmToHealth,

    /// <summary>Art. 3(49)(b): a serious and irreversible disruption of critical infrastructure. Within 2 days (Art. 73(3)).</summary>
    CriticalInfrastructureDisruption,

    /// <summary>Art. 3(49)(c): an infringement of Union law protecting fundamental rights (e.g. discrimination in credit
    /// decisions). Reported within 15 days (Art. 73(2)).</summary>
    FundamentalRightsInfringement,

    /// <summary>Art. 3(61): a widespread infringement (several Member States or many people). Within 2 days (Art. 73(3)).</summary>
    WidespreadInfringement,

    /// <summary>Art. 3(49)(d): serious harm to property or the environment. Reported within 15 days (Art. 73(2)).</summary>
    PropertyOrEnvironmentHarm,
}

/// <summary>A serious incident with a model version was recorded; its report to the market surveillance authority is due by
/// <paramref name="ReportDueBy"/>.</summary>
/// <param name="AwareAt">When the provider (or deployer) became aware of it: the reporting period runs from then.</param>
/// <param name="AffectedPersons">How many people are known to be affected (0 when none is known yet).</param>
public sealed record SeriousIncidentRecorded(
    string IncidentId,
    string ModelId,
    string Version,
    string Description,
    IncidentCategory Category,
    int AffectedPersons,
    DateTimeOffset AwareAt,
    DateTimeOffset ReportDueBy,
    Audit Audit
) : ILedgerEvent;

/// <summary>The incident was reported to the market surveillance authority (Art. 73(1)).</summary>
/// <param name="Authority">The authority reported to (e.g. "BaFin").</param>
/// <param name="Reference">The authority's or the report's reference.</param>
public sealed record SeriousIncidentReported(string IncidentId, string Authority, string Reference, Audit Audit) : ILedgerEvent;

/// <summary>A corrective action taken after the incident (Art. 73(6): investigation and corrective action).</summary>
public sealed record IncidentCorrectiveActionRecorded(string IncidentId, string Action, Audit Audit) : ILedgerEvent;

/// <summary>An incident's report as recorded.</summary>
public sealed record IncidentReport(string Authority, string Reference, DateTimeOffset ReportedAt, Actor ReportedBy);

/// <summary>A corrective action as recorded.</summary>
public sealed record CorrectiveAction(string Action, DateTimeOffset RecordedAt, Actor RecordedBy);

/// <summary>Where an incident stands at a moment: its report recorded, due, or overdue.</summary>
public enum IncidentReportingStatus
{
    Reported,
    Due,
    Overdue,
}

/// <summary>A serious incident with a model version (EU AI Act Art. 73), folded from its own stream.</summary>
public sealed record SeriousIncident
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string Description { get; init; }
    public required IncidentCategory Category { get; init; }
    public required int AffectedPersons { get; init; }
    public required DateTimeOffset AwareAt { get; init; }
    public required DateTimeOffset ReportDueBy { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
    public required Actor RecordedBy { get; init; }
    public IncidentReport? Report { get; init; }
    public IReadOnlyList<CorrectiveAction> CorrectiveActions { get; init; } = [];

    /// <summary>The stream of one incident: its id (<c>incident-</c> and a UUID), so that the document's id is the incident's.</summary>
    public static string StreamKey(string incidentId) => incidentId;

    /// <summary>Reported, or due, or overdue at <paramref name="now"/>.</summary>
    public IncidentReportingStatus StatusAt(DateTimeOffset now) =>
        Report is not null ? IncidentReportingStatus.Reported
        : now > ReportDueBy ? IncidentReportingStatus.Overdue
        : IncidentReportingStatus.Due;

    public static SeriousIncident? Evolve(SeriousIncident? state, object @event) =>
        @event switch
        {
            SeriousIncidentRecorded e => new SeriousIncident
            {
                Id = e.IncidentId,
                ModelId = e.ModelId,
                Version = e.Version,
                Description = e.Description,
                Category = e.Category,
                AffectedPersons = e.AffectedPersons,
                AwareAt = e.AwareAt,
                ReportDueBy = e.ReportDueBy,
                RecordedAt = e.Audit.At,
                RecordedBy = e.Audit.Actor,
            },
            SeriousIncidentReported e when state is not null => state with
            {
                Report = new IncidentReport(e.Authority, e.Reference, e.Audit.At, e.Audit.Actor),
            },
            IncidentCorrectiveActionRecorded e when state is not null => state with
            {
                CorrectiveActions = [.. state.CorrectiveActions, new CorrectiveAction(e.Action, e.Audit.At, e.Audit.Actor)],
            },
            _ => state,
        };
}
