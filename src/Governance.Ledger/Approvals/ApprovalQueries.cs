using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.Datasets;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Governance.Ledger.Approvals;

/// <summary>The approval lookup, inline: each approval case by id, searchable by artifact digest ("which approvals cover this
/// file?").</summary>
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
        Identity<MonitoringBreachRecorded>(e => e.ApprovalId);
        Identity<BreachReviewResolved>(e => e.ApprovalId);
        Identities<ModelVersionSuspended>(e => e.ApprovalIds);
        Identities<ModelVersionSuspensionLifted>(e => e.ApprovalIds);
    }

    public override Approval? Evolve(Approval? snapshot, string id, IEvent e) => Approval.Evolve(snapshot, e.Data);
}

/// <summary>One approval awaiting decision, as the risk officer's queue lists it, with the policy's due date.</summary>
/// <param name="Conflict">Why the person viewing the queue may not decide it (segregation of duties), or null.</param>
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
    DateTimeOffset DueBy,
    string? Conflict = null
);

/// <summary>
/// Everything an officer sees before signing: the version's facts from the ledger, its data, validation and history,
/// and the stream version the page is rendered from (a decision on a version that moved on since is refused as stale).
/// </summary>
public sealed record ReviewFile(
    Approval Approval,
    ModelVersion Version,
    Model Model,
    Dataset? TrainingDataset,
    Dataset? ValidationDataset,
    IReadOnlyList<ModelVersion> EarlierVersions,
    long StreamVersion
);

/// <summary>Reading approvals: the pipelines' check, lookups by id and digest, the officers' queue and review file.</summary>
public sealed class ApprovalQueries(
    IDocumentStore store,
    TimeProvider clock,
    ApprovalPolicy policy,
    DatasetRegister datasets,
    PointInTime history,
    DeploymentGates gates
)
{
    /// <summary>
    /// May digest D of model M version V be deployed to environment E now, or (with <paramref name="point"/>) would it have
    /// been allowed then: the version as it stood at the point's position, expiry judged at the point's time, and the
    /// answer's <c>checkedAt</c> that time. Never throws for a well-formed question.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Invalid input naming each malformed field.</exception>
    public async Task<ApprovalCheckAnswer> CheckAsync(
        string? model,
        string? version,
        string? digest,
        string? environment,
        CancellationToken ct,
        LedgerPoint? point = null
    )
    {
        new InputCheck()
            .Slug(model, "model")
            .VersionLabel(version, "version")
            .Sha256(digest, "digest")
            .Slug(environment, "environment")
            .ThrowIfAny();
        var target = new VersionRef(model!, version!);
        DeploymentGate? gate;
        if (point is { Current: false })
            gate = (await ModelVersionRecords.AtAsync(history, target, point, ct))?.State is { } then ? DeploymentGate.Of(then) : null;
        else
            gate = await gates.ReadAsync(store, target.StreamKey, ct);
        var now = point?.At ?? clock.GetUtcNow();
        var decision = DeploymentPolicy.Check(gate, digest!, environment!, now);
        return new ApprovalCheckAnswer(
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
        );
    }

    /// <summary>One approval case with its sign-offs, conditions, expiry, revocation and attestation.</summary>
    /// <exception cref="GovernanceRuleException">Not found (<c>approval.not_found</c>).</exception>
    public async Task<Approval> GetAsync(string approvalId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Approval>(approvalId, ct)
            ?? throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.");
    }

    /// <summary>The version an approval belongs to.</summary>
    /// <exception cref="GovernanceRuleException">Not found (<c>approval.not_found</c>).</exception>
    public async Task<VersionRef> VersionOfAsync(string approvalId, CancellationToken ct)
    {
        var approval = await GetAsync(approvalId, ct);
        return new VersionRef(approval.ModelId, approval.Version);
    }

    /// <summary>Approvals, oldest request first, filtered by artifact digest (which approvals cover this file?) and/or status.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input when the digest is malformed.</exception>
    public async Task<IReadOnlyList<Approval>> ListAsync(string? digest, ApprovalStatus? status, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var query = session.Query<Approval>().AsQueryable();
        if (digest is not null)
        {
            new InputCheck().Sha256(digest, "digest").ThrowIfAny();
            var normalized = Digest.Normalize(digest);
            query = query.Where(a => a.ArtifactDigest == normalized);
        }
        if (status is { } s)
            query = query.Where(a => a.Status == s);
        return await query.OrderBy(a => a.RequestedAt).ToListAsync(ct);
    }

    /// <summary>The risk officers' queue: pending approvals, oldest first, with tier, sign-offs and the policy's due date.</summary>
    /// <summary>Pending approvals, oldest request first, each with the segregation-of-duties rule that stops
    /// <paramref name="viewerSubjectId"/> from deciding it (<see cref="QueueItem.Conflict"/>), if any.</summary>
    public async Task<IReadOnlyList<QueueItem>> QueueAsync(string viewerSubjectId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var pending = await session
            .Query<Approval>()
            .Where(a => a.Status == ApprovalStatus.Pending)
            .OrderBy(a => a.RequestedAt)
            .ToListAsync(ct);
        var models = (await session.LoadManyAsync<Model>(ct, pending.Select(a => a.ModelId).Distinct().ToArray())).ToDictionary(m => m.Id);
        var versions = (
            await session.LoadManyAsync<ModelVersion>(
                ct,
                pending.Select(a => ModelVersion.StreamKey(a.ModelId, a.Version)).Distinct().ToArray()
            )
        ).ToDictionary(v => v.Id);
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
                    a.RequestedBy.SubjectId,
                    a.SignOffs.Count,
                    a.RequiredApprovals,
                    policy.ReviewDueBy(model.RiskTier, a.RequestedAt),
                    SegregationOfDuties
                        .Conflict(
                            model,
                            versions[ModelVersion.StreamKey(a.ModelId, a.Version)],
                            a,
                            viewerSubjectId,
                            OfficerDecision.Approve
                        )
                        ?.Message
                );
            })
            .ToArray();
    }

    /// <summary>The review file of one approval, or null if the approval (or its version or model) is not recorded.</summary>
    public async Task<ReviewFile?> ReviewAsync(string approvalId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<Approval>(approvalId, ct) is not { } approval)
            return null;
        var key = ModelVersion.StreamKey(approval.ModelId, approval.Version);
        var record = await ModelVersionRecords.RecordAsync(session, key, ct);
        var model = await session.LoadAsync<Model>(approval.ModelId, ct);
        if (record is not { State: var version } || model is null)
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
            await datasets.ResolveAsync(session, version.TrainingDatasetDigest, ct),
            await datasets.ResolveAsync(session, version.ValidationDatasetDigest, ct),
            earlier,
            record.StreamVersion
        );
    }
}
