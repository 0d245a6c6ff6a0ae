using System.Security.Claims;
using Governance.Api.Features.Attestations;
using Governance.Api.Features.Datasets;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ui;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Governance.Api.Features.Desk;

/// <summary>
/// The web UI's port to the ledger: reads the same projections as the API and decides with the same deciders (and
/// the same attestation follow-up), as the signed-in person. A governance refusal comes back as an outcome to show.
/// </summary>
public sealed class LedgerDesk(IDocumentStore store, UserManager<GovernanceUser> users, AttestationKeyRing keys, TimeProvider clock,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IGovernanceDesk
{
    public async Task<IReadOnlyList<InventoryRow>> InventoryAsync(InventoryFilter filter, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var models = await session.Query<Model>().OrderBy(m => m.Id).ToListAsync(ct);
        var versions = (await session.Query<ModelVersion>().ToListAsync(ct)).ToLookup(v => v.ModelId);
        return models
            .Where(m => filter.RiskTier is null || m.RiskTier == filter.RiskTier)
            .Where(m => string.IsNullOrWhiteSpace(filter.Owner) || m.OwnerName.Contains(filter.Owner, StringComparison.OrdinalIgnoreCase) || m.OwnerId == filter.Owner)
            .Select(m => new InventoryRow(m, versions[m.Id].OrderBy(v => v.RegisteredAt).ToArray()))
            .Where(r => filter.Status is null || r.Versions.Any(v => v.Status == filter.Status))
            .Where(r => string.IsNullOrWhiteSpace(filter.Environment) || r.Versions.Any(v => v.LiveEnvironments.Contains(filter.Environment.Trim())))
            .ToArray();
    }

    public async Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Model>(modelId, ct) is not { } model) return null;
        var versions = await session.Query<ModelVersion>().Where(v => v.ModelId == modelId).OrderBy(v => v.RegisteredAt).ToListAsync(ct);
        var prefix = modelId + "@";
        var events = await session.Events.QueryAllRawEvents().Where(e => e.StreamKey == modelId || e.StreamKey!.StartsWith(prefix)).OrderBy(e => e.Sequence).ToListAsync(ct);
        var options = new System.Text.Json.JsonSerializerOptions(json.Value.SerializerOptions) { WriteIndented = true };
        return new ModelTimeline(model, versions, events.Select(e =>
        {
            var audit = ((ILedgerEvent)e.Data).Audit;
            return new TimelineEvent(e.Sequence, e.StreamKey!, e.EventTypeName, audit.At, audit.Actor, audit.Reason,
                AuditTrail.AuditTrailEndpoints.PayloadDigest(e.Data, json.Value.SerializerOptions), System.Text.Json.JsonSerializer.Serialize(e.Data, e.Data.GetType(), options));
        }).ToArray());
    }

    public async Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct)
    {
        if (!Digest.IsSha256(artifactDigest)) return [];
        await using var session = store.QuerySession();
        var digest = Digest.Normalize(artifactDigest);
        return await session.Query<Approval>().Where(a => a.ArtifactDigest == digest).OrderBy(a => a.RequestedAt).ToListAsync(ct);
    }

    public async Task<DashboardCounts> DashboardAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var now = clock.GetUtcNow();
        var approvals = await session.Query<Approval>().ToListAsync(ct);
        var versions = await session.Query<ModelVersion>().ToListAsync(ct);
        return new DashboardCounts(
            approvals.Count(a => a.Status == ApprovalStatus.Pending),
            approvals.Count(a => a.IsActiveAt(now) && a.ExpiresAt <= now.AddDays(30)),
            versions.Sum(v => v.RefusedDeployments.Count),
            await session.Query<Model>().CountAsync(ct),
            versions.Count(v => v.LiveEnvironments.Count > 0));
    }

    public async Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var pending = await session.Query<Approval>().Where(a => a.Status == ApprovalStatus.Pending).OrderBy(a => a.RequestedAt).ToListAsync(ct);
        var models = (await session.LoadManyAsync<Model>(ct, pending.Select(a => a.ModelId).Distinct().ToArray())).ToDictionary(m => m.Id);
        return pending.Select(a =>
        {
            var model = models[a.ModelId];
            return new QueueItem(a.Id, a.ModelId, model.Name, a.Version, a.Environment, model.RiskTier, a.RequestedAt, a.RequestedBy.DisplayName,
                a.SignOffs.Count, a.RequiredApprovals, ReviewPolicy.DueBy(model.RiskTier, a.RequestedAt));
        }).ToArray();
    }

    public async Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Approval>(approvalId, ct) is not { } approval) return null;
        var version = await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(approval.ModelId, approval.Version), ct);
        var model = await session.LoadAsync<Model>(approval.ModelId, ct);
        if (version is null || model is null) return null;
        var earlier = await session.Query<ModelVersion>().Where(v => v.ModelId == model.Id && v.RegisteredAt < version.RegisteredAt).OrderBy(v => v.RegisteredAt).ToListAsync(ct);
        return new ReviewFile(version.FindApproval(approvalId)!, version, model,
            await session.FindByDigestAsync(version.TrainingDatasetDigest, ct), await session.FindByDigestAsync(version.ValidationDatasetDigest, ct), earlier);
    }

    public Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct) =>
        Decide(officer, decision.ApprovalId, (v, c) => [.. ApproveModelVersionDecision.Decide(new ApproveModelVersion(decision.ApprovalId, decision.ArtifactDigest,
                decision.Environment, decision.Rationale, decision.Conditions, decision.ExpiresAt), v, c)],
            after => after.FindApproval(decision.ApprovalId)!.Status == ApprovalStatus.Approved
                ? "Approved: all required sign-offs are recorded and the signed attestation was issued."
                : "Your sign-off is recorded; the approval needs another risk officer.", ct);

    public Task<DecisionOutcome> RejectAsync(ClaimsPrincipal officer, string approvalId, string reason, CancellationToken ct) =>
        Decide(officer, approvalId, (v, c) => [ApprovalDecisions.Decide(new RejectApproval(approvalId, reason), v, c)], _ => "Rejected; the reasons are recorded.", ct);

    private async Task<DecisionOutcome> Decide(ClaimsPrincipal officer, string approvalId, Func<ModelVersion, CommandContext, IReadOnlyList<object>> decide,
        Func<ModelVersion, string> success, CancellationToken ct)
    {
        if (!officer.IsInRole(Roles.RiskOfficer)) return new DecisionOutcome(false, "forbidden", "Only risk officers decide approvals.");
        var user = await users.GetUserAsync(officer) ?? throw new InvalidOperationException("The signed-in person has no account.");
        var context = new CommandContext(new Actor(user.Id, user.DisplayName, Roles.RiskOfficer), clock.GetUtcNow(), $"ui-{Guid.NewGuid():N}");
        try
        {
            await using var session = store.LightweightSession();
            session.CorrelationId = context.CorrelationId;
            var approval = await session.LoadAsync<Approval>(approvalId, ct) ?? throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.");
            var decided = await session.DecideAsync<ModelVersion>(ModelVersion.StreamKey(approval.ModelId, approval.Version), null, v => decide(v!, context),
                ModelVersion.Evolve, ct, AttestationEndpoints.AttestWhenApproved(keys));
            await session.SaveChangesAsync(ct);
            return new DecisionOutcome(true, null, success(decided.After!));
        }
        catch (GovernanceRuleException refused)
        {
            return new DecisionOutcome(false, refused.Code, refused.Message);
        }
        catch (JasperFx.ConcurrencyException)
        {
            return new DecisionOutcome(false, "concurrency.stale_version", "Someone else decided on this version at the same time; nothing was recorded. Reload and review again.");
        }
    }
}
