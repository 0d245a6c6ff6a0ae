using System.Text.Json.Serialization;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;

namespace Governance.Domain.Approvals;

public enum ApprovalStatus
{
    Pending,
    Approved,
    Rejected,
    Revoked,

    /// <summary>Granted, but its model version is suspended (<see cref="ModelVersionSuspended"/>): it allows nothing until
    /// the suspension is lifted.</summary>
    Suspended,
}

public sealed record Approver(Actor Officer, DateTimeOffset SignedAt, string Rationale);

public sealed record SignOff(
    Actor Officer,
    DateTimeOffset SignedAt,
    string Rationale,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ExpiresAt
);

/// <summary>
/// One approval case: a request to use one artifact digest in one environment, and the risk officers' decisions on it.
/// Part of the model version's state, and also projected on its own as the approval lookup (by id or by digest).
/// </summary>
public sealed record Approval
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string Environment { get; init; }
    public required string ArtifactDigest { get; init; }
    public required string IntendedUse { get; init; }
    public required int RequiredApprovals { get; init; }
    public required Actor RequestedBy { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    public required ApprovalStatus Status { get; init; }
    public IReadOnlyList<SignOff> SignOffs { get; init; } = [];
    public IReadOnlyList<string> Conditions { get; init; } = [];

    /// <summary>Set once approved: the earliest expiry among the sign-offs that made the approval.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public Actor? RejectedBy { get; init; }
    public string? RejectionReason { get; init; }
    public Actor? RevokedBy { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevocationReason { get; init; }

    /// <summary>The signed attestation of this approval, once granted: its digest, signing key and DSSE envelope.</summary>
    public string? AttestationDigest { get; init; }
    public string? AttestationKeyId { get; init; }
    public string? AttestationEnvelope { get; init; }

    /// <summary>The post-market monitoring plan the owner stated and the officers signed; null when none was stated.</summary>
    public MonitoringPlan? MonitoringPlan { get; init; }

    /// <summary>The decision policy (thresholds, costs, calibration) the approval covers; null when none was stated.</summary>
    public DecisionPolicy? DecisionPolicy { get; init; }

    /// <summary>Every monitoring breach recorded against this approval, oldest first.</summary>
    public IReadOnlyList<MonitoringBreach> Breaches { get; init; } = [];

    /// <summary>The review items breaches opened, oldest first.</summary>
    public IReadOnlyList<BreachReview> Reviews { get; init; } = [];

    /// <summary>The breach review awaiting a risk officer, or null.</summary>
    [JsonIgnore]
    public BreachReview? OpenReview => Reviews.LastOrDefault(r => r.Resolution is null);

    /// <summary>Granted, but suspended by a monitoring breach until a risk officer resolves its review: it allows
    /// nothing (the approval check denies with reason <c>suspended</c>).</summary>
    [JsonIgnore]
    public bool SuspendedByBreach => Status == ApprovalStatus.Approved && OpenReview is { Action: BreachAction.Suspend };

    /// <summary>Granted, under review after a monitoring breach: it still allows deployment and serving (the approval check
    /// answers allowed with reason <c>under_review</c>).</summary>
    [JsonIgnore]
    public bool UnderReview => Status == ApprovalStatus.Approved && OpenReview is { Action: BreachAction.UnderReview };

    /// <summary>Allows deployment at <paramref name="now"/>: approved, not revoked, not expired, not suspended by a
    /// monitoring breach.</summary>
    public bool IsActiveAt(DateTimeOffset now) => IsActive(Status, ExpiresAt, SuspendedByBreach, now);

    /// <summary>The one rule of an approval that allows deployment at <paramref name="now"/>: approved, unexpired and not
    /// suspended by a monitoring breach (shared with the deployment gate's compact copy of an approval).</summary>
    public static bool IsActive(ApprovalStatus status, DateTimeOffset? expiresAt, bool suspendedByBreach, DateTimeOffset now) =>
        status == ApprovalStatus.Approved && expiresAt > now && !suspendedByBreach;

    /// <summary>Active at <paramref name="now"/> and ending within <paramref name="window"/> (the dashboard's "expiring in the next
    /// 30 days").</summary>
    public bool ExpiresWithin(DateTimeOffset now, TimeSpan window) => IsActiveAt(now) && ExpiresAt <= now + window;

    public static Approval? Evolve(Approval? state, object @event) =>
        @event switch
        {
            ApprovalRequested e => new Approval
            {
                Id = e.ApprovalId,
                ModelId = e.ModelId,
                Version = e.Version,
                Environment = e.Environment,
                ArtifactDigest = e.ArtifactDigest,
                IntendedUse = e.IntendedUse,
                RequiredApprovals = e.RequiredApprovals,
                RequestedBy = e.Audit.Actor,
                RequestedAt = e.Audit.At,
                Status = ApprovalStatus.Pending,
                MonitoringPlan = e.MonitoringPlan,
                DecisionPolicy = e.DecisionPolicy,
            },
            MonitoringBreachRecorded e when state is not null => state with
            {
                Breaches =
                [
                    .. state.Breaches,
                    new MonitoringBreach(e.ReportId, e.ReportDigest, e.Features, e.Action, e.ReviewId, e.Audit.Actor, e.Audit.At),
                ],
                Reviews =
                    e.ReviewId is not { } reviewId ? state.Reviews
                    : state.Reviews.Any(r => r.Id == reviewId)
                        ? state.Reviews.Select(r => r.Id == reviewId ? r with { ReportIds = [.. r.ReportIds, e.ReportId] } : r).ToArray()
                    : [.. state.Reviews, new BreachReview(reviewId, e.Action, e.Audit.At, e.DrainUntil, [e.ReportId])],
            },
            BreachReviewResolved e when state is not null => state with
            {
                Reviews = state
                    .Reviews.Select(r =>
                        r.Id == e.ReviewId
                            ? r with
                            {
                                Resolution = e.Resolution,
                                ResolvedBy = e.Audit.Actor,
                                ResolvedAt = e.Audit.At,
                                Rationale = e.Audit.Reason,
                            }
                            : r
                    )
                    .ToArray(),
            },
            ApprovalSignedOff e when state is not null => state with
            {
                SignOffs = [.. state.SignOffs, new SignOff(e.Audit.Actor, e.Audit.At, e.Audit.Reason, e.Conditions, e.ExpiresAt)],
            },
            ModelVersionApproved e when state is not null => state with
            {
                Status = ApprovalStatus.Approved,
                Conditions = e.Conditions,
                ExpiresAt = e.ExpiresAt,
                DecidedAt = e.Audit.At,
            },
            ApprovalRejected e when state is not null => state with
            {
                Status = ApprovalStatus.Rejected,
                DecidedAt = e.Audit.At,
                RejectedBy = e.Audit.Actor,
                RejectionReason = e.Audit.Reason,
            },
            ApprovalAttested e when state is not null => state with
            {
                AttestationDigest = e.AttestationDigest,
                AttestationKeyId = e.KeyId,
                AttestationEnvelope = e.Envelope,
            },
            ModelVersionSuspended e when state is { Status: ApprovalStatus.Approved } && e.ApprovalIds.Contains(state.Id) => state with
            {
                Status = ApprovalStatus.Suspended,
            },
            ModelVersionSuspensionLifted e when state is { Status: ApprovalStatus.Suspended } && e.ApprovalIds.Contains(state.Id) =>
                state with
                {
                    Status = ApprovalStatus.Approved,
                },
            ApprovalRevoked e when state is not null => state with
            {
                Status = ApprovalStatus.Revoked,
                RevokedAt = e.Audit.At,
                RevokedBy = e.Audit.Actor,
                RevocationReason = e.Audit.Reason,
            },
            _ => state,
        };
}
