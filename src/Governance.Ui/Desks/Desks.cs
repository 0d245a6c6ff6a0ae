using System.Security.Claims;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.Approvals;
using Governance.Ledger.Models;
using Governance.Ledger.Validation;

namespace Governance.Ui.Desks;

/// <summary>
/// The officer's decision, restating what is signed (the digest and environment shown on the review page) and the stream
/// version the page was rendered from: if the version changed since, the decision is refused as stale, never applied.
/// </summary>
public sealed record ApprovalDecision(
    string ApprovalId,
    string ArtifactDigest,
    string Environment,
    string Rationale,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ExpiresAt,
    long RenderedVersion
);

/// <summary>A decision's outcome: recorded, or refused by a governance rule (code and message shown to the person); for refused
/// input, the offending fields as the API names them (camelCase paths such as <c>findings[2].title</c>) and what is wrong with
/// each, so a form can mark its own fields.</summary>
public sealed record DecisionOutcome(
    bool Recorded,
    string? Code,
    string Message,
    IReadOnlyDictionary<string, string[]>? FieldErrors = null
);

/// <summary>One event of a model's timeline as the UI shows it: the ledger's audit-trail entry and its payload as indented JSON.</summary>
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

/// <summary>A model's page: the model, its versions, the hosts that reported serving them (with their last verification), and
/// every event.</summary>
public sealed record ModelTimeline(
    Model Model,
    IReadOnlyList<ModelVersion> Versions,
    IReadOnlyList<ServingHost> Serving,
    IReadOnlyList<TimelineEvent> Events
);

/// <summary>What every signed-in reader sees: dashboard, inventory, a model's timeline, approvals covering a file.</summary>
public interface IAuditDesk
{
    Task<DashboardCounts> DashboardAsync(CancellationToken ct);

    /// <summary>The newest loads model servers reported that no approval allowed, for the dashboard's alerts.</summary>
    Task<UnapprovedLoadAlerts> UnapprovedLoadsAsync(CancellationToken ct);
    Task<IReadOnlyList<InventoryEntry>> InventoryAsync(InventoryFilter filter, CancellationToken ct);
    Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct);

    /// <summary>"Which approvals cover this file?": every approval of the artifact with this SHA-256 (none for a malformed
    /// digest).</summary>
    Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct);

    /// <summary>Granted approvals still valid now that end within <paramref name="days"/> days, soonest first (the dashboard's
    /// expiring count, as a list).</summary>
    Task<IReadOnlyList<Approval>> ApprovalsExpiringAsync(int days, CancellationToken ct);

    /// <summary>One approval by id, with its attestation envelope; null when there is none.</summary>
    Task<Approval?> ApprovalAsync(string approvalId, CancellationToken ct);
}

/// <summary>The risk officer's desk: the approval queue, the review file, and decisions as the signed-in person.</summary>
public interface IApprovalDesk
{
    /// <summary>Pending approvals, each marked with why <paramref name="officer"/> may not decide it, if so.</summary>
    Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(ClaimsPrincipal officer, CancellationToken ct);

    /// <summary>Open reviews opened by monitoring breaches, each marked with why <paramref name="officer"/> may not resolve it.</summary>
    Task<IReadOnlyList<Ledger.Monitoring.BreachReviewItem>> BreachReviewsAsync(ClaimsPrincipal officer, CancellationToken ct);
    Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct);
    Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct);
    Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    );

    /// <summary>Revokes a granted approval (after an incident, say): it allows no deployment from then on.</summary>
    Task<DecisionOutcome> RevokeAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    );

    /// <summary>Resolves the open breach review <paramref name="reviewId"/> of a granted approval: accepted with the rationale
    /// (the approval stands again), revalidation required or revoked (both revoke the approval); refused when the officer is
    /// not independent of the version, or the version changed since <paramref name="renderedVersion"/>.</summary>
    Task<DecisionOutcome> ResolveBreachAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reviewId,
        BreachResolution resolution,
        string rationale,
        long renderedVersion,
        CancellationToken ct
    );
}

/// <summary>A model's stewardship from its page: retiring the model or one version, withdrawing a delegate. The ledger decides who
/// may (the owner, a delegate or a risk officer for retirement; the owner, a risk officer or an administrator for a delegate).</summary>
public interface IStewardshipDesk
{
    Task<DecisionOutcome> RetireModelAsync(ClaimsPrincipal person, string modelId, string reason, CancellationToken ct);

    Task<DecisionOutcome> RetireVersionAsync(ClaimsPrincipal person, string modelId, string version, string reason, CancellationToken ct);

    Task<DecisionOutcome> WithdrawDelegateAsync(
        ClaimsPrincipal person,
        string modelId,
        string delegateId,
        string reason,
        CancellationToken ct
    );
}

/// <summary>Discussions on approvals: read one, and comment as the signed-in person (comments are superseded, never edited).</summary>
public interface IDiscussionDesk
{
    Task<ApprovalDiscussion> DiscussionAsync(string approvalId, CancellationToken ct);

    Task<DecisionOutcome> CommentAsync(ClaimsPrincipal person, string approvalId, PostComment comment, CancellationToken ct);
}

/// <summary>The validator's desk: versions awaiting validation and the outcome, against the version the page showed.</summary>
public interface IValidationDesk
{
    Task<IReadOnlyList<ValidationQueueItem>> ValidationQueueAsync(CancellationToken ct);

    Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        ValidationQueueItem item,
        RecordValidationOutcome outcome,
        CancellationToken ct
    );
}

/// <summary>The model owner's desk: models, datasets and versions; submission for validation; approval requests.</summary>
public interface IOwnerDesk
{
    Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct);
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

    /// <summary>Requests approval, with the monitoring plan and decision policy the approval is to cover when stated.</summary>
    Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        MonitoringPlan? monitoringPlan,
        DecisionPolicy? decisionPolicy,
        CancellationToken ct
    );
}
