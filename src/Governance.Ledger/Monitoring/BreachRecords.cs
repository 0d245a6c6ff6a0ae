using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Monitoring;

/// <summary>One open breach review, as the risk officers' queue lists it.</summary>
/// <param name="ReportIds">The monitoring reports that breached, first the one that opened the review.</param>
/// <param name="Features">The breaching features of those reports.</param>
/// <param name="Conflict">Why the person viewing the queue may not resolve it (segregation of duties), or null.</param>
public sealed record BreachReviewItem(
    string ReviewId,
    string ApprovalId,
    string ModelId,
    string ModelName,
    string Version,
    string Environment,
    RiskTier RiskTier,
    BreachAction Action,
    DateTimeOffset OpenedAt,
    DateTimeOffset? DrainUntil,
    IReadOnlyList<string> ReportIds,
    IReadOnlyList<BreachingFeature> Features,
    string? Conflict = null
);

/// <summary>
/// Breach governance on the version's stream: a monitoring report with the verdict "breach" applies the approval's signed
/// plan (<see cref="BreachDecisions"/>), and a risk officer resolves the review it opens. The monitoring reports themselves
/// are recorded on their own stream; only a breach touches the approval.
/// </summary>
public sealed class BreachRecords(IDocumentStore store, LedgerWriter writer)
{
    /// <summary>Who may record a breach: whoever records monitoring reports (the owner's monitoring job, a pipeline) and risk
    /// officers. The breach is the plan's consequence of a recorded report, not anyone's decision.</summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.ModelOwner, Roles.DeploymentPipeline, Roles.RiskOfficer];

    /// <summary>Who resolves a breach review.</summary>
    public static readonly IReadOnlyList<string> ResolveRoles = [Roles.RiskOfficer];

    /// <summary>
    /// Records that monitoring report <paramref name="reportId"/> (digest <paramref name="reportDigest"/>) of this version in
    /// <paramref name="environment"/> breached its plan, on the features given: warn, under review or suspended, as the
    /// approval's signed plan says. The one entry point for a report recorded with the verdict "breach".
    /// </summary>
    /// <returns>The approval the breach was applied to, after it.</returns>
    /// <exception cref="GovernanceRuleException">Invalid fields; not found; conflict <c>monitoring.no_plan</c>,
    /// <c>monitoring.breach_already_recorded</c>, <c>model_version.retired</c>.</exception>
    public Task<Written<Approval>> RecordBreachAsync(
        VersionRef target,
        string? environment,
        string? reportId,
        string? reportDigest,
        IReadOnlyList<BreachingFeature>? features,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => RecordRoles,
            (_, version, context) =>
                BreachDecisions.Decide(
                    new RecordMonitoringBreach(Guid.CreateVersion7().ToString(), environment, reportId, reportDigest, features),
                    version,
                    context
                ),
            w => w.After!.FindApproval(((MonitoringBreachRecorded)w.Events[0]).ApprovalId)!,
            ct
        );

    /// <summary>A risk officer resolves a breach review: accepted (the approval stands again), revalidation required or
    /// revoked (the approval is revoked in the same commit).</summary>
    /// <returns>The approval after the resolution.</returns>
    /// <exception cref="GovernanceRuleException">See <see cref="BreachDecisions"/>.</exception>
    public async Task<Written<Approval>> ResolveAsync(
        VersionRef target,
        ResolveBreachReview command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await target.ModelAsync(store, ct);
        await using var write = await writer.BeginAsync<ModelVersion>(target.StreamKey, ModelVersion.Evolve, call, ResolveRoles, ct);
        if (write.IsReplay)
            return write.Replay<Approval>();
        write.Append(BreachDecisions.Decide(command, model, target.Require(write.Before), write.Context));
        return await write.CommitAsync(write.After!.FindApproval(command.ApprovalId)!, ct);
    }

    /// <summary>The open breach reviews of granted approvals, oldest first, each with the segregation-of-duties rule that stops
    /// <paramref name="viewerSubjectId"/> from resolving it, if any.</summary>
    public async Task<IReadOnlyList<BreachReviewItem>> OpenReviewsAsync(string viewerSubjectId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var granted = await session.Query<Approval>().Where(a => a.Status == ApprovalStatus.Approved).ToListAsync(ct);
        var open = granted.Where(a => a.OpenReview is not null).ToArray();
        if (open.Length == 0)
            return [];
        var models = (await session.LoadManyAsync<Model>(ct, open.Select(a => a.ModelId).Distinct().ToArray())).ToDictionary(m => m.Id);
        var versions = (
            await session.LoadManyAsync<ModelVersion>(
                ct,
                open.Select(a => ModelVersion.StreamKey(a.ModelId, a.Version)).Distinct().ToArray()
            )
        ).ToDictionary(v => v.Id);
        return open.Select(a =>
            {
                var review = a.OpenReview!;
                var model = models[a.ModelId];
                return new BreachReviewItem(
                    review.Id,
                    a.Id,
                    a.ModelId,
                    model.Name,
                    a.Version,
                    a.Environment,
                    model.RiskTier,
                    review.Action,
                    review.OpenedAt,
                    review.DrainUntil,
                    review.ReportIds,
                    a.Breaches.Where(b => b.ReviewId == review.Id).SelectMany(b => b.Features).ToArray(),
                    SegregationOfDuties
                        .Conflict(
                            model,
                            versions[ModelVersion.StreamKey(a.ModelId, a.Version)],
                            a,
                            viewerSubjectId,
                            OfficerDecision.Resolve
                        )
                        ?.Message
                );
            })
            .OrderBy(i => i.OpenedAt)
            .ToArray();
    }
}
