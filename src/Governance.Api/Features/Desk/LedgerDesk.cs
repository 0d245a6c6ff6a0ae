using System.Security.Claims;
using Governance.Api.Features.Attestations;
using Governance.Api.Features.Datasets;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ui;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Governance.Api.Features.Desk;

/// <summary>
/// The web UI's port to the ledger: reads the same projections as the API and decides with the same deciders (and
/// the same attestation follow-up), as the signed-in person. A governance refusal comes back as an outcome to show.
/// </summary>
public sealed class LedgerDesk(
    IDocumentStore store,
    UserManager<GovernanceUser> users,
    AttestationKeyRing keys,
    TimeProvider clock,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json
) : IGovernanceDesk
{
    public async Task<IReadOnlyList<InventoryRow>> InventoryAsync(InventoryFilter filter, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var models = await session.Query<Model>().OrderBy(m => m.Id).ToListAsync(ct);
        var versions = (await session.Query<ModelVersion>().ToListAsync(ct)).ToLookup(v => v.ModelId);
        return models
            .Where(m => filter.RiskTier is null || m.RiskTier == filter.RiskTier)
            .Where(m =>
                string.IsNullOrWhiteSpace(filter.Owner)
                || m.OwnerName.Contains(filter.Owner, StringComparison.OrdinalIgnoreCase)
                || m.OwnerId == filter.Owner
            )
            .Select(m => new InventoryRow(m, versions[m.Id].OrderBy(v => v.RegisteredAt).ToArray()))
            .Where(r => filter.Status is null || r.Versions.Any(v => v.Status == filter.Status))
            .Where(r =>
                string.IsNullOrWhiteSpace(filter.Environment) || r.Versions.Any(v => v.LiveEnvironments.Contains(filter.Environment.Trim()))
            )
            .ToArray();
    }

    public async Task<ModelTimeline?> TimelineAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Model>(modelId, ct) is not { } model)
            return null;
        var versions = await session.Query<ModelVersion>().Where(v => v.ModelId == modelId).OrderBy(v => v.RegisteredAt).ToListAsync(ct);
        var prefix = modelId + "@";
        var events = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == modelId || e.StreamKey!.StartsWith(prefix))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        var options = new System.Text.Json.JsonSerializerOptions(json.Value.SerializerOptions) { WriteIndented = true };
        return new ModelTimeline(
            model,
            versions,
            events
                .Select(e =>
                {
                    var audit = ((ILedgerEvent)e.Data).Audit;
                    return new TimelineEvent(
                        e.Sequence,
                        e.StreamKey!,
                        e.EventTypeName,
                        audit.At,
                        audit.Actor,
                        audit.Reason,
                        AuditTrail.AuditTrailEndpoints.PayloadDigest(e.Data, json.Value.SerializerOptions),
                        System.Text.Json.JsonSerializer.Serialize(e.Data, e.Data.GetType(), options)
                    );
                })
                .ToArray()
        );
    }

    public async Task<IReadOnlyList<Approval>> ApprovalsCoveringAsync(string artifactDigest, CancellationToken ct)
    {
        if (!Digest.IsSha256(artifactDigest))
            return [];
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
            versions.Count(v => v.LiveEnvironments.Count > 0)
        );
    }

    public async Task<IReadOnlyList<QueueItem>> ApprovalQueueAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var pending = await session
            .Query<Approval>()
            .Where(a => a.Status == ApprovalStatus.Pending)
            .OrderBy(a => a.RequestedAt)
            .ToListAsync(ct);
        var models = (await session.LoadManyAsync<Model>(ct, pending.Select(a => a.ModelId).Distinct().ToArray())).ToDictionary(m => m.Id);
        return pending
            .Select(a =>
            {
                var model = models[a.ModelId];
                return new QueueItem(
                    a.Id,
                    a.ModelId,
                    model.Name,
                    a.Version,
                    a.Environment,
                    model.RiskTier,
                    a.RequestedAt,
                    a.RequestedBy.DisplayName,
                    a.SignOffs.Count,
                    a.RequiredApprovals,
                    ReviewPolicy.DueBy(model.RiskTier, a.RequestedAt)
                );
            })
            .ToArray();
    }

    public async Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Approval>(approvalId, ct) is not { } approval)
            return null;
        var version = await session.LoadAsync<ModelVersion>(ModelVersion.StreamKey(approval.ModelId, approval.Version), ct);
        var model = await session.LoadAsync<Model>(approval.ModelId, ct);
        if (version is null || model is null)
            return null;
        var earlier = await session
            .Query<ModelVersion>()
            .Where(v => v.ModelId == model.Id && v.RegisteredAt < version.RegisteredAt)
            .OrderBy(v => v.RegisteredAt)
            .ToListAsync(ct);
        return new ReviewFile(
            version.FindApproval(approvalId)!,
            version,
            model,
            await session.FindByDigestAsync(version.TrainingDatasetDigest, ct),
            await session.FindByDigestAsync(version.ValidationDatasetDigest, ct),
            earlier
        );
    }

    public Task<DecisionOutcome> ApproveAsync(ClaimsPrincipal officer, ApprovalDecision decision, CancellationToken ct) =>
        Decide(
            officer,
            decision.ApprovalId,
            (v, c) =>
                [
                    .. ApproveModelVersionDecision.Decide(
                        new ApproveModelVersion(
                            decision.ApprovalId,
                            decision.ArtifactDigest,
                            decision.Environment,
                            decision.Rationale,
                            decision.Conditions,
                            decision.ExpiresAt
                        ),
                        v,
                        c
                    ),
                ],
            after =>
                after.FindApproval(decision.ApprovalId)!.Status == ApprovalStatus.Approved
                    ? "Approved: all required sign-offs are recorded and the signed attestation was issued."
                    : "Your sign-off is recorded; the approval needs another risk officer.",
            ct
        );

    public Task<DecisionOutcome> RejectAsync(ClaimsPrincipal officer, string approvalId, string reason, CancellationToken ct) =>
        Decide(
            officer,
            approvalId,
            (v, c) => [ApprovalDecisions.Decide(new RejectApproval(approvalId, reason), v, c)],
            _ => "Rejected; the reasons are recorded.",
            ct
        );

    public async Task<IReadOnlyList<ModelVersion>> ValidationQueueAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session
            .Query<ModelVersion>()
            .Where(v => v.Status == ModelVersionStatus.ValidationSubmitted)
            .OrderBy(v => v.LastChangedAt)
            .ToListAsync(ct);
    }

    public Task<DecisionOutcome> RecordValidationAsync(
        ClaimsPrincipal validator,
        string modelId,
        string version,
        RecordValidationOutcome outcome,
        CancellationToken ct
    ) =>
        OnVersion(
            validator,
            Roles.Validator,
            modelId,
            version,
            (v, c) => [ValidationDecisions.Decide(outcome, v, c)],
            _ => "The validation outcome is recorded.",
            ct
        );

    public Task<DecisionOutcome> SubmitForValidationAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        SubmitForValidation command,
        CancellationToken ct
    ) =>
        OnVersion(
            owner,
            Roles.ModelOwner,
            modelId,
            version,
            (v, c) => [ValidationDecisions.Decide(command, v, c)],
            _ => "Submitted for independent validation.",
            ct
        );

    public Task<DecisionOutcome> RequestApprovalAsync(
        ClaimsPrincipal owner,
        string modelId,
        string version,
        string environment,
        string intendedUse,
        CancellationToken ct
    ) =>
        OnVersion(
            owner,
            Roles.ModelOwner,
            modelId,
            version,
            (v, c) =>
                [
                    RequestApprovalDecision.Decide(
                        new RequestApproval(Guid.CreateVersion7().ToString(), environment, intendedUse, null),
                        v,
                        c
                    ),
                ],
            _ => $"Approval for {environment} requested; it is in the risk officers' queue.",
            ct
        );

    public Task<DecisionOutcome> RegisterModelAsync(ClaimsPrincipal owner, RegisterModel command, CancellationToken ct) =>
        Execute<Model>(
            owner,
            Roles.ModelOwner,
            command.ModelId ?? "",
            (m, c) => [RegisterModelDecision.Decide(command, m, c)],
            Model.Evolve,
            _ => $"Model {command.ModelId} is in the inventory.",
            ct
        );

    public Task<DecisionOutcome> RegisterDatasetAsync(ClaimsPrincipal owner, RegisterDataset command, CancellationToken ct) =>
        Execute<Dataset>(
            owner,
            Roles.ModelOwner,
            Dataset.StreamKey(command.Name ?? "", command.Version ?? ""),
            (d, c) => [RegisterDatasetDecision.Decide(command, d, c)],
            Dataset.Evolve,
            d => $"Dataset {d.Name} {d.Version} registered; manifest {d.ManifestDigest}.",
            ct
        );

    public async Task<DecisionOutcome> RegisterVersionAsync(ClaimsPrincipal owner, RegisterModelVersion command, CancellationToken ct)
    {
        Model? model;
        Dataset? training,
            validation;
        await using (var query = store.QuerySession())
        {
            model = await query.LoadAsync<Model>(command.ModelId, ct);
            training = await query.FindByDigestAsync(command.TrainingDatasetDigest, ct);
            validation = await query.FindByDigestAsync(command.ValidationDatasetDigest, ct);
        }
        return await Execute<ModelVersion>(
            owner,
            Roles.ModelOwner,
            ModelVersion.StreamKey(command.ModelId, command.Version ?? ""),
            (existing, c) => [RegisterModelVersionDecision.Decide(command, model, existing, training, validation, c)],
            ModelVersion.Evolve,
            v => $"Version {v.Version} of {v.ModelId} registered with artifact {v.ArtifactDigest}.",
            ct
        );
    }

    public async Task<IReadOnlyList<Dataset>> DatasetsAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<Dataset>().OrderBy(d => d.Id).ToListAsync(ct);
    }

    private async Task<DecisionOutcome> Decide(
        ClaimsPrincipal officer,
        string approvalId,
        Func<ModelVersion, CommandContext, IReadOnlyList<object>> decide,
        Func<ModelVersion, string> success,
        CancellationToken ct
    )
    {
        Approval? approval;
        await using (var query = store.QuerySession())
            approval = await query.LoadAsync<Approval>(approvalId, ct);
        if (approval is null)
            return new DecisionOutcome(false, "approval.not_found", $"No approval {approvalId}.");
        return await Execute<ModelVersion>(
            officer,
            Roles.RiskOfficer,
            ModelVersion.StreamKey(approval.ModelId, approval.Version),
            (v, c) => decide(v!, c),
            ModelVersion.Evolve,
            success,
            ct,
            AttestationEndpoints.AttestWhenApproved(keys)
        );
    }

    private Task<DecisionOutcome> OnVersion(
        ClaimsPrincipal person,
        string role,
        string modelId,
        string version,
        Func<ModelVersion, CommandContext, IReadOnlyList<object>> decide,
        Func<ModelVersion, string> success,
        CancellationToken ct
    ) =>
        Execute<ModelVersion>(
            person,
            role,
            ModelVersion.StreamKey(modelId, version),
            (v, c) =>
                decide(
                    v
                        ?? throw GovernanceRuleException.NotFound(
                            "model_version.not_found",
                            $"Model '{modelId}' has no registered version '{version}'."
                        ),
                    c
                ),
            ModelVersion.Evolve,
            success,
            ct
        );

    /// <summary>Decides one command as the signed-in person acting in <paramref name="role"/>; a governance refusal comes back as an outcome, and nothing is written.</summary>
    private async Task<DecisionOutcome> Execute<TState>(
        ClaimsPrincipal person,
        string role,
        string streamKey,
        Func<TState?, CommandContext, IReadOnlyList<object>> decide,
        Func<TState?, object, TState?> evolve,
        Func<TState, string> success,
        CancellationToken ct,
        Func<Decided<TState>, IReadOnlyList<object>>? followUp = null
    )
        where TState : class
    {
        if (!person.IsInRole(role))
            return new DecisionOutcome(false, "forbidden", $"This needs the {role} role.");
        var user = await users.GetUserAsync(person) ?? throw new InvalidOperationException("The signed-in person has no account.");
        var context = new CommandContext(new Actor(user.Id, user.DisplayName, role), clock.GetUtcNow(), $"ui-{Guid.NewGuid():N}");
        try
        {
            await using var session = store.LightweightSession();
            session.CorrelationId = context.CorrelationId;
            var decided = await session.DecideAsync(streamKey, null, s => decide(s, context), evolve, ct, followUp);
            await session.SaveChangesAsync(ct);
            return new DecisionOutcome(true, null, success(decided.After!));
        }
        catch (GovernanceRuleException refused)
        {
            return new DecisionOutcome(false, refused.Code, refused.Message);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            return new DecisionOutcome(
                false,
                "concurrency.stale_version",
                "Someone else changed this record at the same time; nothing was recorded. Reload and try again."
            );
        }
    }
}
