using Governance.Domain.ModelVersions;
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

    /// <summary>Allows deployment at <paramref name="now"/>: approved, not revoked, not expired.</summary>
    public bool IsActiveAt(DateTimeOffset now) => Status == ApprovalStatus.Approved && ExpiresAt > now;

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
