using System.Security.Claims;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Ui;

/// <summary>What the dashboard counts: the numbers a risk team watches.</summary>
public sealed record DashboardCounts(
    int PendingApprovals,
    int ExpiringWithin30Days,
    int RefusedDeploymentAttempts,
    int Models,
    int LiveVersions
);

/// <summary>One approval awaiting decision, as the risk officer's queue lists it.</summary>
public sealed record QueueItem(
    string ApprovalId,
    string ModelId,
    string ModelName,
    string Version,
    string Environment,
    RiskTier RiskTier,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    int SignOffs,
    int RequiredApprovals,
    DateTimeOffset DueBy
);

/// <summary>Everything the officer sees before signing: the version's facts from the ledger, its data, validation and history.</summary>
public sealed record ReviewFile(
    Approval Approval,
    ModelVersion Version,
    Model Model,
    Dataset? TrainingDataset,
    Dataset? ValidationDataset,
    IReadOnlyList<ModelVersion> EarlierVersions
);

/// <summary>The officer's decision, restating what is signed: the digest and environment shown on the review page.</summary>
public sealed record ApprovalDecision(
    string ApprovalId,
    string ArtifactDigest,
    string Environment,
    string Rationale,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ExpiresAt
);

/// <summary>A decision's outcome: recorded, or refused by a governance rule (code and message shown to the officer).</summary>
public sealed record DecisionOutcome(bool Recorded, string? Code, string Message);

/// <summary>Inventory filters, as an auditor sets them; null means any.</summary>
public sealed record InventoryFilter(
    RiskTier? RiskTier = null,
    ModelVersionStatus? Status = null,
    string? Environment = null,
    string? Owner = null
);

public sealed record InventoryRow(Model Model, IReadOnlyList<ModelVersion> Versions);

/// <summary>One event of a model's timeline: where it sits in the ledger, who did what and why, and its payload.</summary>
public sealed record TimelineEvent(
    long Sequence,
    string Stream,
    string EventType,
    DateTimeOffset At,
    Actor Actor,
    string Reason,
    string PayloadDigest,
    string PayloadJson
);

public sealed record ModelTimeline(Model Model, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<TimelineEvent> Events);

/// <summary>The UI's port to the ledger; the host implements it with the same deciders as the API, as the signed-in person.</summary>
public interface IGovernanceDesk
{
    Task<DashboardCounts> DashboardAsync(CancellationToken ct);
    Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(CancellationToken ct);
    Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct);
    Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct);
    Task<DecisionOutcome> RejectAsync(ClaimsPrincipal officer, string approvalId, string reason, CancellationToken ct);
    Task<IReadOnlyList<InventoryRow>> InventoryAsync(InventoryFilter filter, CancellationToken ct);
    Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct);

    /// <summary>Versions handed to independent validation and awaiting an outcome.</summary>
    Task<IReadOnlyList<ModelVersion>> ValidationQueueAsync(CancellationToken ct);
    Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        string modelId,
        string version,
        RecordValidationOutcome outcome,
        CancellationToken ct
    );
    Task<DecisionOutcome> RegisterModelAsync(ClaimsPrincipal owner, RegisterModel command, CancellationToken ct);
    Task<DecisionOutcome> RegisterDatasetAsync(ClaimsPrincipal owner, RegisterDataset command, CancellationToken ct);
    Task<DecisionOutcome> RegisterVersionAsync(ClaimsPrincipal owner, RegisterModelVersion command, CancellationToken ct);
    Task<DecisionOutcome> SubmitForValidationAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        SubmitForValidation command,
        CancellationToken ct
    );
    Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        CancellationToken ct
    );
    Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct);

    /// <summary>"Which approvals cover this file?": every approval of the artifact with this SHA-256.</summary>
    Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct);
}

public static class ReviewPolicy
{
    /// <summary>How long a risk officer has to decide: 5 days for a high-risk model, 10 otherwise.</summary>
    public static DateTimeOffset DueBy(RiskTier tier, DateTimeOffset requestedAt) => requestedAt.AddDays(tier == RiskTier.High ? 5 : 10);
}
