using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.Datasets;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Monitoring;

/// <summary>A recorded monitoring report with its identity: the stream it is on, its id and its digest (what a breach
/// names), and the breach it caused on the approval whose plan governs it, if any.</summary>
/// <param name="PlanSource"><c>approval:{id}</c> (the signed plan) or <c>stated</c>.</param>
/// <param name="Breach">The breach recorded on the governing approval (warning, under review or suspended), when the report
/// is a breach judged against an approval's signed plan; otherwise null.</param>
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
    Actor RecordedBy,
    AppliedBreach? Breach = null
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

/// <summary>A breach as recorded on the approval whose signed plan a report breached.</summary>
/// <param name="Action">What the plan made of it: a warning, the approval under review, or suspended.</param>
/// <param name="ReviewId">The review item in the risk officers' queue; null for a warning.</param>
public sealed record AppliedBreach(string ApprovalId, BreachAction Action, string? ReviewId, IReadOnlyList<BreachingFeature> Features)
{
    public static AppliedBreach From(Approval approval, MonitoringBreach breach) =>
        new(approval.Id, breach.Action, breach.ReviewId, breach.Features);
}

/// <summary>The signed monitoring plan that governs a version's reports in an environment, and the approval it was signed
/// with.</summary>
/// <param name="PlanDigest">As recorded in each report judged against it (<see cref="MonitoringDecisions.DigestOf"/>).</param>
public sealed record GoverningPlan(string ApprovalId, string Environment, DateTimeOffset ExpiresAt, MonitoringPlan Plan, string PlanDigest);

/// <summary>Each monitoring stream's count and latest report, inline.</summary>
public sealed class MonitoringStreamProjection : SingleStreamProjection<MonitoringStream, string>
{
    public MonitoringStreamProjection() => IncludeType<MonitoringReportRecorded>();

    public override MonitoringStream? Evolve(MonitoringStream? snapshot, string id, IEvent e) => MonitoringStream.Evolve(snapshot, e.Data);
}

/// <summary>
/// Monitoring reports (EU AI Act Art. 72; SR 26-2 ongoing monitoring) on a stream per version and environment
/// (<see cref="MonitoringStream.StreamKey"/>), so that the version's stream and its ETag do not churn with every report;
/// recorded through the one write path. A report is judged against the plan signed with the version's approval in the
/// environment when one carries it, and a breach of that plan is recorded on the approval here, in the feature, so that no
/// caller can record a breaching report and forget its consequence.
/// </summary>
public sealed class MonitoringRecords(
    IDocumentStore store,
    LedgerWriter writer,
    BreachRecords breaches,
    DatasetRegister datasets,
    TimeProvider clock
)
{
    /// <summary>The model's owner or a delegate (a person, or a machine client such as the scoring host, checked by the
    /// decider) and deployment pipelines.</summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.ModelOwner, Roles.DeploymentPipeline];

    /// <summary>
    /// Records a report computed by the owner; its verdicts must follow from its statistics and the governing plan
    /// (<see cref="MonitoringDecisions.Decide"/>). When it is a breach of an approval's signed plan, the breach is then
    /// recorded on that approval (<see cref="BreachRecords.RecordBreachAsync"/>: warning, under review or suspended), with
    /// the call's idempotency key suffixed <c>:breach</c>, so a retry after a lost answer completes a breach the first
    /// attempt did not reach and replays one it did.
    /// </summary>
    /// <param name="statedPlan">The plan stated with the report: required only when no approval carries a signed plan.</param>
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
        IReadOnlyCollection<string> referenceFiles;
        await using (var session = store.QuerySession())
        {
            version = target.Require(await session.LoadAsync<ModelVersion>(target.StreamKey, ct));
            var plan = BreachDecisions.GoverningApproval(version, environment ?? "", clock.GetUtcNow())?.MonitoringPlan ?? statedPlan;
            referenceFiles =
                (await datasets.ResolveAsync(session, plan?.ReferenceDatasetDigest, ct))?.Files.Select(f => f.Sha256).ToArray() ?? [];
        }
        var command = new RecordMonitoringReport(
            $"monitoring-{Guid.CreateVersion7(clock.GetUtcNow())}",
            environment,
            statedPlan,
            report,
            reason
        );
        // The report carries no state of its own stream: concurrent reports for one environment are all recorded.
        var stream = MonitoringStream.StreamKey(target.ModelId, target.Version, environment ?? "");
        var written = await writer.RetryOnConflictAsync(
            [stream],
            call,
            () =>
                writer.DecideAsync<MonitoringStream, RecordedMonitoringReport>(
                    stream,
                    MonitoringStream.Evolve,
                    call,
                    RecordRoles,
                    (_, context) => MonitoringDecisions.Decide(command, model, version, referenceFiles, context),
                    w => RecordedMonitoringReport.From((MonitoringReportRecorded)w.Events[^1]),
                    ct
                ),
            ct
        );
        var recorded = written.Result;
        if (recorded.Report.Verdict != MonitoringVerdict.Breach || !recorded.PlanSource.StartsWith("approval:", StringComparison.Ordinal))
            return written;
        var breach = await breaches.RecordBreachAsync(
            target,
            recorded.Environment,
            recorded.ReportId,
            recorded.ReportDigest,
            MonitoringVerdicts.Breaching(recorded.Report),
            call with
            {
                ExpectedVersion = null,
                IdempotencyKey = call.IdempotencyKey is { } key ? $"{key}:breach" : null,
            },
            ct
        );
        var applied = breach.Result.Breaches.Single(b => b.ReportId == recorded.ReportId);
        return written with { Result = recorded with { Breach = AppliedBreach.From(breach.Result, applied) } };
    }

    /// <summary>The monitoring plan signed with the version's approval in <paramref name="environment"/> that governs its
    /// reports now (<see cref="BreachDecisions.GoverningApproval"/>), or null when no approval carries one.</summary>
    /// <exception cref="GovernanceRuleException">Not found: the model or version.</exception>
    public async Task<GoverningPlan?> GoverningPlanAsync(VersionRef target, string environment, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var version = target.Require(await session.LoadAsync<ModelVersion>(target.StreamKey, ct));
        return BreachDecisions.GoverningApproval(version, environment, clock.GetUtcNow()) is { } approval
            ? new GoverningPlan(
                approval.Id,
                approval.Environment,
                approval.ExpiresAt!.Value,
                approval.MonitoringPlan!,
                MonitoringDecisions.DigestOf(approval.MonitoringPlan!)
            )
            : null;
    }

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
        if (found.Count == 0)
            return null;
        var recorded = RecordedMonitoringReport.From(found[0]);
        var version = await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(recorded.ModelId, recorded.Version), ct);
        return
            version
                ?.Approvals.SelectMany(a => a.Breaches.Select(b => (Approval: a, Breach: b)))
                .FirstOrDefault(x => x.Breach.ReportId == reportId)
                is ({ } approval, { } breach)
            ? recorded with
            {
                Breach = AppliedBreach.From(approval, breach),
            }
            : recorded;
    }
}
