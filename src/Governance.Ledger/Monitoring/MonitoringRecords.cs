using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Monitoring;

/// <summary>A recorded monitoring report with its identity: the stream it is on, its id and its digest (what a breach
/// names).</summary>
public sealed record RecordedMonitoringReport(
    string ReportId,
    string Stream,
    string ModelId,
    string Version,
    string Environment,
    string ReportDigest,
    string PlanDigest,
    string PlanSource,
    MonitoringPlan Plan,
    MonitoringReport Report,
    DateTimeOffset RecordedAt,
    Actor RecordedBy
)
{
    public static RecordedMonitoringReport From(MonitoringReportRecorded e) =>
        new(
            e.ReportId,
            MonitoringStream.StreamKey(e.ModelId, e.Version, e.Environment),
            e.ModelId,
            e.Version,
            e.Environment,
            e.ReportDigest,
            e.PlanDigest,
            e.PlanSource,
            e.Plan,
            e.Report,
            e.Audit.At,
            e.Audit.Actor
        );
}

/// <summary>Each monitoring stream's count and latest report, inline.</summary>
public sealed class MonitoringStreamProjection : SingleStreamProjection<MonitoringStream, string>
{
    public MonitoringStreamProjection() => IncludeType<MonitoringReportRecorded>();

    public override MonitoringStream? Evolve(MonitoringStream? snapshot, string id, IEvent e) => MonitoringStream.Evolve(snapshot, e.Data);
}

/// <summary>
/// Monitoring reports (EU AI Act Art. 72; SR 26-2 ongoing monitoring) on a stream per version and environment
/// (<see cref="MonitoringStream.StreamKey"/>), so that the version's stream and its ETag do not churn with every report;
/// recorded through the one write path.
/// </summary>
public sealed class MonitoringRecords(IDocumentStore store, LedgerWriter writer, TimeProvider clock)
{
    /// <summary>The model's owner or a delegate (a person, or a machine client such as the scoring host, checked by the
    /// decider) and deployment pipelines.</summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.ModelOwner, Roles.DeploymentPipeline];

    /// <summary>Records a report computed by the owner; its verdicts must follow from its statistics and the plan.</summary>
    /// <param name="statedPlan">The plan stated with the report (see <see cref="PlanFor"/>).</param>
    /// <exception cref="GovernanceRuleException">Invalid fields, verdicts that do not follow (named); version not found;
    /// forbidden; conflict when retired.</exception>
    public async Task<Written<RecordedMonitoringReport>> RecordAsync(
        VersionRef target,
        string? environment,
        MonitoringPlan? statedPlan,
        MonitoringReport? report,
        string? reason,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await target.ModelAsync(store, ct);
        ModelVersion version;
        await using (var session = store.QuerySession())
            version = target.Require(await session.LoadAsync<ModelVersion>(target.StreamKey, ct));
        var (plan, source) = PlanFor(statedPlan);
        var id = $"monitoring-{Guid.CreateVersion7(clock.GetUtcNow())}";
        var command = new RecordMonitoringReport(id, environment, plan, source, report, reason);
        // The report carries no state of its own stream: concurrent reports for one environment are all recorded.
        var written = await LedgerWriter.RetryOnConflictAsync(
            call,
            () =>
                writer.DecideAsync<MonitoringStream, RecordedMonitoringReport>(
                    MonitoringStream.StreamKey(target.ModelId, target.Version, environment ?? ""),
                    MonitoringStream.Evolve,
                    call,
                    RecordRoles,
                    (_, context) => MonitoringDecisions.Decide(command, model, version, context),
                    w => RecordedMonitoringReport.From((MonitoringReportRecorded)w.Events[^1]),
                    ct
                )
        );
        // A breach must change the approval in this environment (issue 15 item 4): the breach command on the version's
        // stream takes this report's identity (RecordedMonitoringReport.ReportId, Stream, ReportDigest). Call it here, once,
        // when written.Result.Report.Verdict == MonitoringVerdict.Breach and the write was not a replay.
        return written;
    }

    /// <summary>
    /// The plan a report is judged against: today the plan stated with the report, recorded in the event as <c>stated</c>.
    /// The one place to switch to the approval's signed plan (the version's approval in the report's environment, source
    /// <c>approval:{id}</c>) once approvals carry it: load it here from the version and environment instead.
    /// </summary>
    private static (MonitoringPlan? Plan, string Source) PlanFor(MonitoringPlan? stated) => (stated, "stated");

    /// <summary>The version's reports, newest first; of one environment when given.</summary>
    public async Task<IReadOnlyList<RecordedMonitoringReport>> ListAsync(VersionRef target, string? environment, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var query = session
            .Events.QueryRawEventDataOnly<MonitoringReportRecorded>()
            .Where(e => e.ModelId == target.ModelId && e.Version == target.Version);
        if (environment is not null)
            query = query.Where(e => e.Environment == environment);
        return (await query.ToListAsync(ct)).Select(RecordedMonitoringReport.From).OrderByDescending(r => r.RecordedAt).ToArray();
    }

    /// <summary>One report by id, or null.</summary>
    public async Task<RecordedMonitoringReport?> GetAsync(string reportId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var found = await session
            .Events.QueryRawEventDataOnly<MonitoringReportRecorded>()
            .Where(e => e.ReportId == reportId)
            .ToListAsync(ct);
        return found.Count == 0 ? null : RecordedMonitoringReport.From(found[0]);
    }
}
