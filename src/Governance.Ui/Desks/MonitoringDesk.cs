using System.Security.Claims;
using Governance.Domain.Approvals;
using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Ledger.Incidents;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Marten;

namespace Governance.Ui.Desks;

/// <summary>One version's post-market monitoring in one environment (EU AI Act Art. 72): its reports, oldest first, and the
/// approval that governs it there (the granted one with a signed plan, else the newest), with its breaches and reviews.</summary>
public sealed record VersionMonitoring(
    Model Model,
    ModelVersion Version,
    string Environment,
    Approval? Approval,
    IReadOnlyList<RecordedMonitoringReport> Reports
);

/// <summary>What the dashboard counts and the monitoring overview lists: the open breach reviews (each with whether the viewer
/// may resolve it) and the serious incidents (EU AI Act Art. 73), newest first, with their reporting standing now.</summary>
public sealed record MonitoringOverview(IReadOnlyList<BreachReviewItem> OpenReviews, IReadOnlyList<IncidentStanding> Incidents)
{
    /// <summary>Incidents whose report to the authority is not yet recorded (due or overdue).</summary>
    public IReadOnlyList<IncidentStanding> Due => Incidents.Where(i => i.Status != IncidentReportingStatus.Reported).ToArray();
}

/// <summary>Monitoring as the UI reads it: a version's reports and breaches per environment, one report whole, the overview of
/// open breach reviews and incidents. Reading only; a breach review is resolved through <see cref="IApprovalDesk"/>.</summary>
public interface IMonitoringDesk
{
    /// <summary>Null when the model or version does not exist.</summary>
    Task<VersionMonitoring?> VersionAsync(string modelId, string version, string environment, CancellationToken ct);

    /// <summary>One recorded report, or null.</summary>
    Task<RecordedMonitoringReport?> ReportAsync(string reportId, CancellationToken ct);

    Task<MonitoringOverview> OverviewAsync(ClaimsPrincipal viewer, CancellationToken ct);
}

internal sealed class LedgerMonitoringDesk(
    IDocumentStore store,
    MonitoringRecords monitoring,
    BreachRecords breaches,
    IncidentRecords incidents
) : IMonitoringDesk
{
    public async Task<VersionMonitoring?> VersionAsync(string modelId, string version, string environment, CancellationToken ct)
    {
        Model? model;
        ModelVersion? found;
        await using (var session = store.QuerySession())
        {
            model = await session.LoadAsync<Model>(modelId, ct);
            found = await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(modelId, version), ct);
        }
        if (model is null || found is null)
            return null;
        var inEnvironment = found.Approvals.Where(a => a.Environment == environment).OrderBy(a => a.RequestedAt).ToArray();
        var governing =
            inEnvironment.LastOrDefault(a => a.Status == ApprovalStatus.Approved && a.MonitoringPlan is not null)
            ?? inEnvironment.LastOrDefault();
        var reports = await monitoring.ListAsync(new VersionRef(modelId, version), environment, ct);
        return new VersionMonitoring(model, found, environment, governing, reports.OrderBy(r => r.Report.WindowEnd).ToArray());
    }

    public Task<RecordedMonitoringReport?> ReportAsync(string reportId, CancellationToken ct) => monitoring.GetAsync(reportId, ct);

    public async Task<MonitoringOverview> OverviewAsync(ClaimsPrincipal viewer, CancellationToken ct) =>
        new(
            await breaches.OpenReviewsAsync(PersonCalls.Call(viewer).Caller.SubjectId, ct),
            await incidents.ListAsync(null, openOnly: false, ct)
        );
}
