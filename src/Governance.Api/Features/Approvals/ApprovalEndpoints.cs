using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.Discussion;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Approvals;

/// <summary>Approvals over HTTP: request, sign off (attested in the ledger), reject, revoke; the pipelines' check; lookups.</summary>
public static class ApprovalEndpoints
{
    /// <param name="MonitoringPlan">The post-market monitoring plan the approval is to cover (docs/monitoring-plan.md); optional.</param>
    /// <param name="DecisionPolicy">The decision policy (thresholds, costs, calibration) the approval is to cover; optional.</param>
    public sealed record RequestApprovalRequest(
        string? Environment,
        string? IntendedUse,
        string? Reason,
        MonitoringPlan? MonitoringPlan = null,
        DecisionPolicy? DecisionPolicy = null
    );

    /// <param name="Resolution"><c>Accepted</c>, <c>RevalidationRequired</c> or <c>Revoked</c>.</param>
    public sealed record ResolveReviewRequest(BreachResolution? Resolution, string? Rationale);

    public sealed record ApproveRequest(
        string? ArtifactDigest,
        string? Environment,
        string? Rationale,
        List<string>? Conditions,
        DateTimeOffset? ExpiresAt
    );

    public sealed record ReasonRequest(string? Reason);

    public sealed record CommentRequest(string? Text, List<string>? Mentions, string? Supersedes);

    public static RouteGroupBuilder MapApprovals(this RouteGroupBuilder api)
    {
        var requests = api.MapGroup("/models/{modelId}/versions/{version}/approvals").WithTags("Approvals");
        requests
            .MapPost("/", RequestApproval)
            .AllowRoles(ApprovalRecords.RequestRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(RequestApproval))
            .WithSummary("Ask for approval to use this version's artifact in one environment, for a stated use.");
        requests
            .MapPost("/{approvalId}/sign-offs", ApproveModelVersion)
            .WithBodyLimit(512 << 10)
            .AllowRoles(ApprovalRecords.DecideRoles)
            .WithName(nameof(ApproveModelVersion))
            .WithSummary(
                "A risk officer approves, restating the digest and environment signed. High-risk models need two distinct officers; "
                    + "owners and requesters cannot approve."
            );
        requests
            .MapPost("/{approvalId}/reviews/{reviewId}/resolution", ResolveBreachReview)
            .AllowRoles(BreachRecords.ResolveRoles)
            .WithName(nameof(ResolveBreachReview))
            .WithSummary(
                "A risk officer resolves the review a monitoring breach opened: Accepted (with rationale, the approval stands again), "
                    + "RevalidationRequired or Revoked (both revoke the approval). Conflicted officers cannot resolve."
            );
        requests
            .MapPost("/{approvalId}/rejection", RejectApproval)
            .AllowRoles(ApprovalRecords.DecideRoles)
            .WithName(nameof(RejectApproval))
            .WithSummary("A risk officer rejects an approval request, with reasons.");
        requests
            .MapPost("/{approvalId}/revocation", RevokeApproval)
            .AllowRoles(ApprovalRecords.DecideRoles)
            .WithName(nameof(RevokeApproval))
            .WithSummary("A risk officer revokes a granted approval; it allows no deployment from then on.");

        var approvals = api.MapGroup("/approvals").WithTags("Approvals");
        approvals
            .MapGet("/check", CheckApproval)
            .AllowRoles(Roles.DeploymentPipeline, Roles.RiskOfficer, Roles.Auditor)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName(nameof(CheckApproval))
            .WithSummary(
                "May digest D of model M version V be deployed to environment E now (or, with ?asOf= / ?asOfPosition=, would it have been "
                    + "then)? Allowed or denied, with reasons and the approval id; Ledger-Position states the position used."
            );
        approvals
            .MapGet("/reviews", ListBreachReviews)
            .AllowRoles(Roles.RiskOfficer, Roles.Auditor, Roles.Admin)
            .WithName(nameof(ListBreachReviews))
            .WithSummary(
                "The risk officers' queue of open breach reviews: each with its approval, the breaching reports and features, the "
                    + "plan's action (UnderReview, Suspend) and whether the caller may resolve it."
            );
        approvals
            .MapGet("/{approvalId}", GetApproval)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.DeploymentPipeline, Roles.Admin)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName(nameof(GetApproval))
            .WithSummary("One approval case with its sign-offs, conditions, expiry and any revocation.");
        approvals
            .MapGet("/", ListApprovals)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Admin)
            .WithName(nameof(ListApprovals))
            .WithSummary("Approvals, oldest request first, by artifact digest (which approvals cover this file?) and/or status.");
        approvals
            .MapPost("/{approvalId}/comments", PostComment)
            .WithBodyLimit(64 << 10)
            .AllowRoles(DiscussionRecords.PostRoles)
            .WithName(nameof(PostComment))
            .WithSummary(
                "Comment on an approval's discussion, with mentions (subject ids). Comments are never edited: to correct one, its "
                    + "author posts again naming it in supersedes."
            );
        approvals
            .MapGet("/{approvalId}/comments", GetDiscussion)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName(nameof(GetDiscussion))
            .WithSummary("An approval's discussion: every comment in the order posted, superseded ones marked.");
        return api;
    }

    private static async Task<IResult> RequestApproval(
        string modelId,
        string version,
        RequestApprovalRequest body,
        ApprovalRecords approvals,
        HttpContext http
    ) =>
        (
            await approvals.RequestAsync(
                new VersionRef(modelId, version),
                body.Environment,
                body.IntendedUse,
                body.Reason,
                await http.CallAsync(),
                http.RequestAborted,
                body.MonitoringPlan,
                body.DecisionPolicy
            )
        ).ToResult(a => LedgerCalls.Created(a, $"/api/v1/approvals/{a.Id}"));

    private static async Task<IResult> ResolveBreachReview(
        string modelId,
        string version,
        string approvalId,
        string reviewId,
        ResolveReviewRequest body,
        BreachRecords breaches,
        HttpContext http
    ) =>
        (
            await breaches.ResolveAsync(
                new VersionRef(modelId, version),
                new Domain.Monitoring.ResolveBreachReview(approvalId, reviewId, body.Resolution, body.Rationale),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<Ok<IReadOnlyList<BreachReviewItem>>> ListBreachReviews(
        BreachRecords breaches,
        HttpContext http,
        CancellationToken ct
    ) => TypedResults.Ok(await breaches.OpenReviewsAsync(http.Caller().SubjectId, ct));

    private static async Task<IResult> ApproveModelVersion(
        string modelId,
        string version,
        string approvalId,
        ApproveRequest body,
        ApprovalRecords approvals,
        HttpContext http
    ) =>
        (
            await approvals.SignOffAsync(
                new VersionRef(modelId, version),
                new ApproveModelVersion(approvalId, body.ArtifactDigest, body.Environment, body.Rationale, body.Conditions, body.ExpiresAt),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RejectApproval(
        string modelId,
        string version,
        string approvalId,
        ReasonRequest body,
        ApprovalRecords approvals,
        HttpContext http
    ) =>
        (
            await approvals.RejectAsync(
                new VersionRef(modelId, version),
                new RejectApproval(approvalId, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RevokeApproval(
        string modelId,
        string version,
        string approvalId,
        ReasonRequest body,
        ApprovalRecords approvals,
        HttpContext http
    ) =>
        (
            await approvals.RevokeAsync(
                new VersionRef(modelId, version),
                new RevokeApproval(approvalId, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<Ok<ApprovalCheckAnswer>> CheckApproval(
        string? model,
        string? version,
        string? digest,
        string? environment,
        ApprovalQueries approvals,
        PointInTime history,
        HttpContext http
    )
    {
        // A current check answers from memory kept up to date by notifications; it states a position read up to
        // SafePosition.CheckPositionAge before, while no version has changed since, rather than waiting for a read of its own.
        var point = await http.ResolveAsync(history, SafePosition.CheckPositionAge);
        var answer = await approvals.CheckAsync(model, version, digest, environment, http.RequestAborted, point);
        // A question about the past is an audit, not a decision a pipeline acts on.
        if (point is null or { Current: true })
            LedgerTelemetry.Check(answer.Allowed, answer.Reasons.Count > 0 ? answer.Reasons[0].Code : "approved", answer.Environment);
        return TypedResults.Ok(answer);
    }

    private static async Task<IResult> PostComment(
        string approvalId,
        CommentRequest body,
        DiscussionRecords discussions,
        HttpContext http
    ) =>
        (
            await discussions.PostAsync(
                approvalId,
                new Domain.Discussion.PostComment(body.Text, body.Mentions, body.Supersedes),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<Ok<Domain.Discussion.ApprovalDiscussion>> GetDiscussion(
        string approvalId,
        DiscussionRecords discussions,
        CancellationToken ct
    ) => TypedResults.Ok(await discussions.OfApprovalAsync(approvalId, ct));

    private static async Task<Ok<Approval>> GetApproval(string approvalId, ApprovalQueries approvals, CancellationToken ct) =>
        TypedResults.Ok(await approvals.GetAsync(approvalId, ct));

    private static async Task<Ok<IReadOnlyList<Approval>>> ListApprovals(
        string? digest,
        ApprovalStatus? status,
        ApprovalQueries approvals,
        CancellationToken ct
    ) => TypedResults.Ok(await approvals.ListAsync(digest, status, ct));
}
