using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Monitoring;

/// <summary>One monitored quantity that breached in a monitoring report: its statistic's value against the plan's threshold
/// (a p-value below it, or a distance at or above it).</summary>
public sealed record BreachingFeature(string Feature, DriftStatistic Statistic, double Value, double Threshold);

/// <summary>How a risk officer closed a breach review.</summary>
public enum BreachResolution
{
    /// <summary>The drift is understood and acceptable, with a rationale: the approval stands again.</summary>
    Accepted,

    /// <summary>The version must be validated again: the approval is revoked and the version's validation outcome set
    /// aside, so that no approval can be requested until an independent validation completes anew.</summary>
    RevalidationRequired,

    /// <summary>The approval is revoked.</summary>
    Revoked,
}

/// <summary>A breach recorded against an approval (<see cref="MonitoringBreachRecorded"/>).</summary>
/// <param name="ReviewId">The review item it opened or was added to; null for a <see cref="BreachAction.Warn"/> breach.</param>
public sealed record MonitoringBreach(
    string ReportId,
    string ReportDigest,
    IReadOnlyList<BreachingFeature> Features,
    BreachAction Action,
    string? ReviewId,
    Actor RecordedBy,
    DateTimeOffset At
);

/// <summary>
/// A review item in the risk officers' queue, opened by a breach under a plan whose <see cref="MonitoringPlan.OnBreach"/> is
/// <see cref="BreachAction.UnderReview"/> or <see cref="BreachAction.Suspend"/>; later breaches while it is open are added to
/// it. Open until a risk officer resolves it.
/// </summary>
/// <param name="DrainUntil">With <see cref="BreachAction.Suspend"/>: until when model servers already serving may finish
/// (the breach's time plus the plan's drain period).</param>
/// <param name="ReportIds">The monitoring reports that breached, first the one that opened it.</param>
public sealed record BreachReview(
    string Id,
    BreachAction Action,
    DateTimeOffset OpenedAt,
    DateTimeOffset? DrainUntil,
    IReadOnlyList<string> ReportIds,
    BreachResolution? Resolution = null,
    Actor? ResolvedBy = null,
    DateTimeOffset? ResolvedAt = null,
    string? Rationale = null
);

/// <summary>
/// A monitoring report breached the plan of an approval: recorded on the version's stream, since it changes what the
/// approval allows (the report itself is on the monitoring stream). Under <see cref="BreachAction.UnderReview"/> or
/// <see cref="BreachAction.Suspend"/> it opens a review item (<paramref name="ReviewId"/>), or adds to the one open.
/// </summary>
/// <param name="ReportId">The monitoring report's id.</param>
/// <param name="ReportDigest">The report's digest (<c>sha256:</c>…), so the review cites exactly what breached.</param>
/// <param name="Features">The features (and score) that breached.</param>
/// <param name="Action">The plan's <see cref="MonitoringPlan.OnBreach"/>.</param>
/// <param name="DrainUntil">With a suspension: until when a model server already serving may finish.</param>
public sealed record MonitoringBreachRecorded(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ReportId,
    string ReportDigest,
    IReadOnlyList<BreachingFeature> Features,
    BreachAction Action,
    string? ReviewId,
    DateTimeOffset? DrainUntil,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A risk officer resolved a breach review; the reason in <see cref="Audit"/> is their rationale. With
/// <see cref="BreachResolution.Revoked"/> or <see cref="BreachResolution.RevalidationRequired"/> it is followed by the
/// approval's <see cref="ApprovalRevoked"/> in the same commit.</summary>
public sealed record BreachReviewResolved(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ReviewId,
    BreachResolution Resolution,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A monitoring report with the verdict "breach" for this version in <paramref name="Environment"/>.</summary>
/// <param name="ReviewId">The id a new review item gets (minted by the caller).</param>
public sealed record RecordMonitoringBreach(
    string ReviewId,
    string? Environment,
    string? ReportId,
    string? ReportDigest,
    IReadOnlyList<BreachingFeature>? Features
);

/// <summary>A risk officer resolves a breach review: accept with rationale, require revalidation, or revoke.</summary>
public sealed record ResolveBreachReview(string ApprovalId, string ReviewId, BreachResolution? Resolution, string? Rationale);

/// <summary>
/// A breach is a governed state change (EU AI Act Art. 72 post-market monitoring; SR 26-2 ongoing monitoring): it applies
/// the plan the risk officers signed with the approval, and only a risk officer independent of the model (the
/// approvals' <see cref="SegregationOfDuties"/>) closes the review it opens.
/// </summary>
public static class BreachDecisions
{
    /// <summary>
    /// Applies the plan's <see cref="MonitoringPlan.OnBreach"/> to the granted, unexpired approval of the version in the
    /// environment that carries a plan: a warning is recorded only; under review or suspended opens a review item (or adds
    /// to the open one); a suspension's drain period ends at <c>now + plan.DrainPeriod</c>.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; conflict when retired (<c>model_version.retired</c>), when no
    /// granted approval with a monitoring plan governs the environment (<c>monitoring.no_plan</c>) or the report's breach is
    /// already recorded (<c>monitoring.breach_already_recorded</c>).</exception>
    public static MonitoringBreachRecorded Decide(RecordMonitoringBreach command, ModelVersion version, CommandContext context)
    {
        var check = new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.ReportId, "reportId", 200)
            .Sha256(command.ReportDigest, "reportDigest");
        if (command.Features is not { Count: > 0 })
            check.Fail("features", "must name at least one breaching feature");
        else
            for (var i = 0; i < command.Features.Count; i++)
                if (command.Features[i] is not { } f)
                    check.Fail($"features[{i}]", "is required");
                else
                {
                    check
                        .Required(f.Feature, $"features[{i}].feature", 200)
                        .Defined<DriftStatistic>(f.Statistic, $"features[{i}].statistic");
                    if (!double.IsFinite(f.Value))
                        check.Fail($"features[{i}].value", "must be a finite number");
                    if (!double.IsFinite(f.Threshold))
                        check.Fail($"features[{i}].threshold", "must be a finite number");
                }
        check.ThrowIfAny();
        version.EnsureNotRetired();

        var environment = command.Environment!;
        var approval =
            GoverningApproval(version, environment, context.Now)
            ?? throw GovernanceRuleException.Conflict(
                "monitoring.no_plan",
                $"No granted approval of {version.ModelId} {version.Version} for '{environment}' carries a monitoring plan, so no "
                    + "breach can be applied to one."
            );
        if (approval.Breaches.Any(b => b.ReportId == command.ReportId))
            throw GovernanceRuleException.Conflict(
                "monitoring.breach_already_recorded",
                $"The breach of report {command.ReportId} is already recorded on approval {approval.Id}."
            );

        var plan = approval.MonitoringPlan!;
        var open = approval.OpenReview;
        var reviewId = plan.OnBreach == BreachAction.Warn ? null : open?.Id ?? command.ReviewId;
        DateTimeOffset? drainUntil = plan.OnBreach != BreachAction.Suspend ? null : open?.DrainUntil ?? context.Now + plan.DrainPeriod;
        var features = command.Features!.Select(f => f with { Feature = f.Feature.Trim() }).ToArray();
        return new MonitoringBreachRecorded(
            version.ModelId,
            version.Version,
            approval.Id,
            environment,
            command.ReportId!.Trim(),
            Digest.Normalize(command.ReportDigest!),
            features,
            plan.OnBreach,
            reviewId,
            drainUntil,
            context.Audit(
                $"Monitoring report {command.ReportId!.Trim()} breached {string.Join(", ", features.Select(f => f.Feature).Distinct())}: "
                    + plan.OnBreach switch
                    {
                        BreachAction.Warn => "warning recorded, the approval stands",
                        BreachAction.UnderReview => "approval under review, serving continues",
                        _ => $"approval suspended, model servers stop after the drain period ({drainUntil:u})",
                    }
            )
        );
    }

    /// <summary>
    /// The approval whose signed <see cref="Approval.MonitoringPlan"/> governs the version's monitoring in
    /// <paramref name="environment"/> at <paramref name="now"/>: granted, unexpired and carrying a plan; of several, the one
    /// that lasts longest. Null when none does (reports are then judged against a plan stated with them, and a breach
    /// changes no approval).
    /// </summary>
    public static Approval? GoverningApproval(ModelVersion version, string environment, DateTimeOffset now) =>
        version
            .Approvals.Where(a =>
                a.Environment == environment && a.Status == ApprovalStatus.Approved && a.ExpiresAt > now && a.MonitoringPlan is not null
            )
            .MaxBy(a => a.ExpiresAt);

    /// <summary>A risk officer resolves an open review of a granted approval: accepted (the approval stands again), or
    /// revoked, or revalidation required (both revoke the approval).</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; not found (<c>approval.not_found</c>,
    /// <c>breach_review.not_found</c>); segregation of duties (<c>segregation_of_duties.*_cannot_resolve</c>); conflict when
    /// the review is resolved (<c>breach_review.resolved</c>) or the approval no longer granted
    /// (<c>approval.not_granted</c>).</exception>
    public static IReadOnlyList<IModelVersionEvent> Decide(
        ResolveBreachReview command,
        Model model,
        ModelVersion version,
        CommandContext context
    )
    {
        new InputCheck()
            .Defined(command.Resolution, "resolution")
            .Required(command.Rationale, "rationale", 10_000, multiline: true)
            .ThrowIfAny();
        var approval =
            version.FindApproval(command.ApprovalId)
            ?? throw GovernanceRuleException.NotFound(
                "approval.not_found",
                $"Model version {version.ModelId} {version.Version} has no approval {command.ApprovalId}."
            );
        var review =
            approval.Reviews.FirstOrDefault(r => r.Id == command.ReviewId)
            ?? throw GovernanceRuleException.NotFound(
                "breach_review.not_found",
                $"Approval {approval.Id} has no breach review {command.ReviewId}."
            );
        if (review.Resolution is { } done)
            throw GovernanceRuleException.Conflict(
                "breach_review.resolved",
                $"Breach review {review.Id} was already resolved ({done}) on {review.ResolvedAt:u}."
            );
        if (approval.Status != ApprovalStatus.Approved)
            throw GovernanceRuleException.Conflict(
                "approval.not_granted",
                $"Approval {approval.Id} is {approval.Status}; its breach review can no longer change it."
            );
        SegregationOfDuties.EnsureIndependent(model, version, approval, context.Actor, OfficerDecision.Resolve);

        var rationale = command.Rationale!.Trim();
        var resolution = command.Resolution!.Value;
        var resolved = new BreachReviewResolved(
            version.ModelId,
            version.Version,
            approval.Id,
            approval.Environment,
            review.Id,
            resolution,
            context.Audit(rationale)
        );
        if (resolution == BreachResolution.Accepted)
            return [resolved];
        var revocation =
            resolution == BreachResolution.Revoked ? rationale : $"Revalidation required after a monitoring breach: {rationale}";
        return
        [
            resolved,
            new ApprovalRevoked(
                version.ModelId,
                version.Version,
                approval.Id,
                approval.Environment,
                approval.ArtifactDigest,
                context.Audit(revocation)
            ),
        ];
    }
}
