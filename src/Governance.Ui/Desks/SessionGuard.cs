using System.Security.Claims;
using Governance.Domain.Datasets;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Validation;
using Governance.Ledger.Approvals;
using Governance.Ledger.Validation;

namespace Governance.Ui.Desks;

/// <summary>What a person does with an open page: act (register, submit, request), or sign a decision (approve, reject,
/// validate), which also needs a session that was not left idle.</summary>
public enum SessionUse
{
    Act,
    Sign,
}

/// <summary>The session check's answer: the person to act as (with the roles they hold now), or why they may not act.</summary>
public sealed record SessionVerdict(ClaimsPrincipal? Person, string? Code, string? Message)
{
    public static SessionVerdict Allowed(ClaimsPrincipal person) => new(person, null, null);

    public static SessionVerdict Refused(string code, string message) => new(null, code, message);
}

/// <summary>
/// Checks, at the moment a page acts, that the person's session still holds: not signed out (in any tab or on any node), not
/// expired, roles unchanged, and for signing not left idle too long. The host implements it over its identity store; the desks
/// below call it before every command, so an open page cannot act after its session ended, whatever the page still shows.
/// </summary>
public interface ISessionGuard
{
    Task<SessionVerdict> CheckAsync(ClaimsPrincipal person, SessionUse use, CancellationToken ct);
}

/// <summary>Refusals of the session check as the outcome a page shows; nothing was recorded.</summary>
internal static class Guarded
{
    public static async Task<DecisionOutcome> RunAsync(
        ISessionGuard guard,
        ClaimsPrincipal person,
        SessionUse use,
        Func<ClaimsPrincipal, Task<DecisionOutcome>> command,
        CancellationToken ct
    )
    {
        var verdict = await guard.CheckAsync(person, use, ct);
        return verdict.Person is { } current ? await command(current) : new DecisionOutcome(false, verdict.Code, verdict.Message!);
    }
}

internal sealed class GuardedApprovalDesk(LedgerApprovalDesk desk, ISessionGuard guard) : IApprovalDesk
{
    public Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(ClaimsPrincipal officer, CancellationToken ct) =>
        desk.ApprovalQueueAsync(officer, ct);

    public Task<IReadOnlyList<Ledger.Monitoring.BreachReviewItem>> BreachReviewsAsync(ClaimsPrincipal officer, CancellationToken ct) =>
        desk.BreachReviewsAsync(officer, ct);

    public Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct) => desk.ReviewAsync(approvalId, ct);

    public Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct) =>
        Guarded.RunAsync(guard, officer, SessionUse.Sign, current => desk.ApproveAsync(current, decision, ct), ct);

    public Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            officer,
            SessionUse.Sign,
            current => desk.RejectAsync(current, approvalId, reason, renderedVersion, ct),
            ct
        );

    public Task<DecisionOutcome> RevokeAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reason,
        long renderedVersion,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            officer,
            SessionUse.Sign,
            current => desk.RevokeAsync(current, approvalId, reason, renderedVersion, ct),
            ct
        );

    public Task<DecisionOutcome> ResolveBreachAsync(
        ClaimsPrincipal officer,
        string approvalId,
        string reviewId,
        BreachResolution resolution,
        string rationale,
        long renderedVersion,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            officer,
            SessionUse.Sign,
            current => desk.ResolveBreachAsync(current, approvalId, reviewId, resolution, rationale, renderedVersion, ct),
            ct
        );
}

internal sealed class GuardedDiscussionDesk(LedgerDiscussionDesk desk, ISessionGuard guard) : IDiscussionDesk
{
    public Task<ApprovalDiscussion> DiscussionAsync(string approvalId, CancellationToken ct) => desk.DiscussionAsync(approvalId, ct);

    public Task<DecisionOutcome> CommentAsync(ClaimsPrincipal person, string approvalId, PostComment comment, CancellationToken ct) =>
        Guarded.RunAsync(guard, person, SessionUse.Act, current => desk.CommentAsync(current, approvalId, comment, ct), ct);
}

internal sealed class GuardedStewardshipDesk(LedgerStewardshipDesk desk, ISessionGuard guard) : IStewardshipDesk
{
    public Task<DecisionOutcome> RetireModelAsync(ClaimsPrincipal person, string modelId, string reason, CancellationToken ct) =>
        Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.RetireModelAsync(current, modelId, reason, ct), ct);

    public Task<DecisionOutcome> RetireVersionAsync(
        ClaimsPrincipal person,
        string modelId,
        string version,
        string reason,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.RetireVersionAsync(current, modelId, version, reason, ct), ct);

    public Task<DecisionOutcome> WithdrawDelegateAsync(
        ClaimsPrincipal person,
        string modelId,
        string delegateId,
        string reason,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            person,
            SessionUse.Act,
            current => desk.WithdrawDelegateAsync(current, modelId, delegateId, reason, ct),
            ct
        );
}

internal sealed class GuardedValidationDesk(LedgerValidationDesk desk, ISessionGuard guard) : IValidationDesk
{
    public Task<IReadOnlyList<ValidationQueueItem>> ValidationQueueAsync(CancellationToken ct) => desk.ValidationQueueAsync(ct);

    public Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        ValidationQueueItem item,
        RecordValidationOutcome outcome,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, validator, SessionUse.Sign, current => desk.RecordValidationAsync(current, item, outcome, ct), ct);
}

internal sealed class GuardedOwnerDesk(LedgerOwnerDesk desk, ISessionGuard guard) : IOwnerDesk
{
    public Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct) => desk.DatasetsAsync(ct);

    public Task<DecisionOutcome> RegisterModelAsync(ClaimsPrincipal owner, RegisterModel command, CancellationToken ct) =>
        Guarded.RunAsync(guard, owner, SessionUse.Act, current => desk.RegisterModelAsync(current, command, ct), ct);

    public Task<DecisionOutcome> RegisterDatasetAsync(ClaimsPrincipal owner, RegisterDataset command, CancellationToken ct) =>
        Guarded.RunAsync(guard, owner, SessionUse.Act, current => desk.RegisterDatasetAsync(current, command, ct), ct);

    public Task<DecisionOutcome> RegisterVersionAsync(ClaimsPrincipal owner, RegisterModelVersion command, CancellationToken ct) =>
        Guarded.RunAsync(guard, owner, SessionUse.Act, current => desk.RegisterVersionAsync(current, command, ct), ct);

    public Task<DecisionOutcome> SubmitForValidationAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        SubmitForValidation command,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            owner,
            SessionUse.Act,
            current => desk.SubmitForValidationAsync(current, modelId, version, command, ct),
            ct
        );

    public Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        MonitoringPlan? monitoringPlan,
        DecisionPolicy? decisionPolicy,
        CancellationToken ct
    ) =>
        Guarded.RunAsync(
            guard,
            owner,
            SessionUse.Act,
            current => desk.RequestApprovalAsync(current, modelId, version, environment, intendedUse, monitoringPlan, decisionPolicy, ct),
            ct
        );
}
