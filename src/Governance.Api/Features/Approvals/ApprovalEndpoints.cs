using Governance.Api.Features.Attestations;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Api.Features.Approvals;

/// <summary>The approval lookup, inline: each approval case by id, searchable by artifact digest ("which approvals cover this file?").</summary>
public sealed class ApprovalProjection : MultiStreamProjection<Approval, string>
{
    public ApprovalProjection()
    {
        Identity<ApprovalRequested>(e => e.ApprovalId);
        Identity<ApprovalSignedOff>(e => e.ApprovalId);
        Identity<ModelVersionApproved>(e => e.ApprovalId);
        Identity<ApprovalRejected>(e => e.ApprovalId);
        Identity<ApprovalRevoked>(e => e.ApprovalId);
        Identity<ApprovalAttested>(e => e.ApprovalId);
    }

    public override Approval? Evolve(Approval? snapshot, string id, IEvent e) => Approval.Evolve(snapshot, e.Data);
}

/// <summary>The pipelines' answer: allowed or denied, with machine-readable reasons and the approval relied on.</summary>
public sealed record ApprovalCheckAnswer(
    string Model,
    string Version,
    string Digest,
    string Environment,
    bool Allowed,
    string Decision,
    string? ApprovalId,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<DenialReason> Reasons,
    DateTimeOffset CheckedAt
);

public static class ApprovalEndpoints
{
    public sealed record RequestApprovalRequest(string? Environment, string? IntendedUse, string? Reason);

    public sealed record ApproveRequest(
        string? ArtifactDigest,
        string? Environment,
        string? Rationale,
        List<string>? Conditions,
        DateTimeOffset? ExpiresAt
    );

    public sealed record ReasonRequest(string? Reason);

    public static RouteGroupBuilder MapApprovals(this RouteGroupBuilder api)
    {
        var requests = api.MapGroup("/models/{modelId}/versions/{version}/approvals").WithTags("Approvals");

        requests
            .MapPost(
                "/",
                (string modelId, string version, RequestApprovalRequest body, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) =>
                            [
                                RequestApprovalDecision.Decide(
                                    new RequestApproval(Guid.CreateVersion7().ToString(), body.Environment, body.IntendedUse, body.Reason),
                                    v,
                                    ctx
                                ),
                            ],
                        d =>
                        {
                            var approval = d.After!.FindApproval(((ApprovalRequested)d.Events[0]).ApprovalId)!;
                            return new CommandAnswer(StatusCodes.Status201Created, approval, $"/api/v1/approvals/{approval.Id}");
                        }
                    )
            )
            .AllowRoles(Roles.ModelOwner)
            .WithName("RequestApproval")
            .WithSummary("Ask for approval to use this version's artifact in one environment, for a stated use.");

        requests
            .MapPost(
                "/{approvalId}/sign-offs",
                (
                    string modelId,
                    string version,
                    string approvalId,
                    ApproveRequest body,
                    Commands commands,
                    AttestationKeyRing keys,
                    HttpContext http
                ) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) =>
                            [
                                .. ApproveModelVersionDecision.Decide(
                                    new ApproveModelVersion(
                                        approvalId,
                                        body.ArtifactDigest,
                                        body.Environment,
                                        body.Rationale,
                                        body.Conditions,
                                        body.ExpiresAt
                                    ),
                                    v,
                                    ctx
                                ),
                            ],
                        d => new CommandAnswer(StatusCodes.Status200OK, d.After!.FindApproval(approvalId)!),
                        AttestationEndpoints.AttestWhenApproved(keys)
                    )
            )
            .AllowRoles(Roles.RiskOfficer)
            .WithName("ApproveModelVersion")
            .WithSummary(
                "A risk officer approves, restating the digest and environment signed. High-risk models need two distinct officers; owners and requesters cannot approve."
            );

        requests
            .MapPost(
                "/{approvalId}/rejection",
                (string modelId, string version, string approvalId, ReasonRequest body, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) => [ApprovalDecisions.Decide(new RejectApproval(approvalId, body.Reason), v, ctx)],
                        d => new CommandAnswer(StatusCodes.Status200OK, d.After!.FindApproval(approvalId)!)
                    )
            )
            .AllowRoles(Roles.RiskOfficer)
            .WithName("RejectApproval")
            .WithSummary("A risk officer rejects an approval request, with reasons.");

        requests
            .MapPost(
                "/{approvalId}/revocation",
                (string modelId, string version, string approvalId, ReasonRequest body, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) => [ApprovalDecisions.Decide(new RevokeApproval(approvalId, body.Reason), v, ctx)],
                        d => new CommandAnswer(StatusCodes.Status200OK, d.After!.FindApproval(approvalId)!)
                    )
            )
            .AllowRoles(Roles.RiskOfficer)
            .WithName("RevokeApproval")
            .WithSummary("A risk officer revokes a granted approval; it allows no deployment from then on.");

        var approvals = api.MapGroup("/approvals").WithTags("Approvals");

        approvals
            .MapGet(
                "/check",
                async (
                    string? model,
                    string? version,
                    string? digest,
                    string? environment,
                    IQuerySession session,
                    TimeProvider clock,
                    CancellationToken ct
                ) =>
                {
                    new InputCheck()
                        .Slug(model, "model")
                        .VersionLabel(version, "version")
                        .Sha256(digest, "digest")
                        .Slug(environment, "environment")
                        .ThrowIfAny();
                    var state = await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(model!, version!), ct);
                    var now = clock.GetUtcNow();
                    var decision = DeploymentPolicy.Check(state, digest!, environment!, now);
                    return Results.Ok(
                        new ApprovalCheckAnswer(
                            model!,
                            version!,
                            Digest.Normalize(digest!),
                            environment!,
                            decision.Allowed,
                            decision.Allowed ? "allowed" : "denied",
                            decision.ApprovalId,
                            decision.ExpiresAt,
                            decision.Reasons,
                            now
                        )
                    );
                }
            )
            .AllowRoles(Roles.DeploymentPipeline, Roles.RiskOfficer, Roles.Auditor)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName("CheckApproval")
            .WithSummary(
                "May digest D of model M version V be deployed to environment E now? Allowed or denied, with reasons and the approval id."
            );

        approvals
            .MapGet(
                "/{approvalId}",
                async (string approvalId, IQuerySession session, CancellationToken ct) =>
                    await session.LoadAsync<Approval>(approvalId, ct) is { } approval
                        ? Results.Ok(approval)
                        : throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.")
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.DeploymentPipeline, Roles.Admin)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName("GetApproval")
            .WithSummary("One approval case with its sign-offs, conditions, expiry and any revocation.");

        approvals
            .MapGet(
                "/",
                async (string? digest, ApprovalStatus? status, IQuerySession session, CancellationToken ct) =>
                {
                    var query = session.Query<Approval>().AsQueryable();
                    if (digest is not null)
                    {
                        new InputCheck().Sha256(digest, "digest").ThrowIfAny();
                        var normalized = Digest.Normalize(digest);
                        query = query.Where(a => a.ArtifactDigest == normalized);
                    }
                    if (status is { } s)
                        query = query.Where(a => a.Status == s);
                    return Results.Ok(await query.OrderBy(a => a.RequestedAt).ToListAsync(ct));
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Admin)
            .WithName("ListApprovals")
            .WithSummary("Approvals, oldest request first, by artifact digest (which approvals cover this file?) and/or status.");

        return api;
    }
}
