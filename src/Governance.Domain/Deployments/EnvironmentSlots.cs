using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Deployments;

/// <summary>Which slot of an environment a deployment fills: the live version, a canary taking a share of the traffic, or a
/// shadow receiving a mirrored share whose answers are not served.</summary>
public enum SlotKind
{
    Live,
    Canary,
    Shadow,
}

/// <summary>Whether the approval a deployment started under still allowed it when the deployment completed.</summary>
public enum ApprovalStanding
{
    Valid,
    Expired,
    Revoked,
    Suspended,
}

/// <summary>
/// Every event of an environment slot's stream (one stream per model and environment, <see cref="EnvironmentSlot.StreamKey"/>):
/// the slot serialises its deployments, so two pipelines deploying at once are both recorded, one after the other.
/// </summary>
public interface ISlotEvent : ILedgerEvent
{
    string ModelId { get; }
    string Environment { get; }
    string DeploymentId { get; }
}

/// <summary>
/// A pipeline started deploying a version; the approval check was made at this moment and allowed it (a refused start is a
/// <see cref="DeploymentRefused"/> on the version's stream instead).
/// </summary>
/// <param name="TrafficPercent">The share of requests the slot takes, 1–100 (live: 100 unless a canary takes part).</param>
/// <param name="ApprovalId">The approval the check relied on.</param>
/// <param name="ApprovalExpiresAt">When that approval expires, as the check saw it.</param>
public sealed record DeploymentStarted(
    string ModelId,
    string Environment,
    string DeploymentId,
    string Version,
    string ArtifactDigest,
    string PipelineRunId,
    SlotKind Slot,
    int TrafficPercent,
    string ApprovalId,
    DateTimeOffset ApprovalExpiresAt,
    Audit Audit
) : ISlotEvent;

/// <summary>
/// A started deployment finished rolling out: it now fills its slot. <paramref name="ApprovalStanding"/> says whether the
/// approval it started under still stood at completion (an approval may expire, be revoked or suspended mid-rollout: the
/// deployment completes all the same, and says so); <paramref name="ReplacedDeploymentId"/> names what it replaced.
/// </summary>
public sealed record DeploymentCompleted(
    string ModelId,
    string Environment,
    string DeploymentId,
    string Version,
    SlotKind Slot,
    int TrafficPercent,
    string ApprovalId,
    ApprovalStanding ApprovalStanding,
    string? ReplacedDeploymentId,
    string? ReplacedVersion,
    Audit Audit
) : ISlotEvent;

/// <summary>A started deployment did not complete; the slot keeps what it had. The reason is the audit's.</summary>
public sealed record DeploymentFailed(string ModelId, string Environment, string DeploymentId, string Version, Audit Audit) : ISlotEvent;

/// <summary>
/// The live version was rolled back to the version live before it (<paramref name="Version"/>, the restored one), under
/// <paramref name="ApprovalId"/> when that version still held a valid approval for the environment; otherwise as an
/// emergency rollback (<paramref name="Emergency"/>), with the reasons no approval allowed it, flagged until replaced.
/// </summary>
public sealed record LiveVersionRolledBack(
    string ModelId,
    string Environment,
    string DeploymentId,
    string Version,
    string ArtifactDigest,
    string PipelineRunId,
    string RolledBackDeploymentId,
    string RolledBackVersion,
    string? ApprovalId,
    DateTimeOffset? ApprovalExpiresAt,
    bool Emergency,
    IReadOnlyList<DenialReason> WithoutApprovalBecause,
    Audit Audit
) : ISlotEvent;

/// <summary>
/// A pipeline took the live version out of the environment without deploying another (<see cref="DeploymentRolledBack"/> on
/// the version's stream, as pipelines reported rollbacks before slots): the slot has no live version until the next one.
/// </summary>
public sealed record LiveVersionWithdrawn(
    string ModelId,
    string Environment,
    string DeploymentId,
    string Version,
    string PipelineRunId,
    Audit Audit
) : ISlotEvent;

/// <summary>A deployment that started and has neither completed nor failed.</summary>
public sealed record InFlightDeployment(
    string DeploymentId,
    string Version,
    string ArtifactDigest,
    string PipelineRunId,
    SlotKind Slot,
    int TrafficPercent,
    string ApprovalId,
    DateTimeOffset ApprovalExpiresAt,
    Actor StartedBy,
    DateTimeOffset StartedAt,
    long StartedPosition
);

/// <summary>
/// One validity interval of a slot: a deployment filled it from <see cref="FromPosition"/> (ledger position, inclusive) up to
/// <see cref="ToPosition"/> (exclusive; null while it still fills it), so "what was live at position p" is one lookup.
/// </summary>
/// <param name="ApprovalId">The approval it was deployed under; null for an emergency rollback.</param>
/// <param name="ApprovalStanding">The approval's standing when the deployment completed (null for a rollback).</param>
/// <param name="EndedBy"><c>replaced</c>, <c>rolled_back</c>, <c>withdrawn</c> (taken out, nothing deployed instead) or
/// <c>promoted</c> (a canary or shadow whose version went live); null while open.</param>
public sealed record SlotInterval(
    string DeploymentId,
    string Version,
    string ArtifactDigest,
    SlotKind Slot,
    int TrafficPercent,
    string PipelineRunId,
    string? ApprovalId,
    ApprovalStanding? ApprovalStanding,
    bool EmergencyRollback,
    Actor By,
    DateTimeOffset From,
    long FromPosition,
    DateTimeOffset? To = null,
    long? ToPosition = null,
    string? EndedBy = null,
    string? EndedByDeploymentId = null
)
{
    public bool IsOpen => ToPosition is null;

    /// <summary>True when this deployment filled its slot at ledger position <paramref name="position"/>.</summary>
    public bool Covers(long position) => FromPosition <= position && (ToPosition is null || position < ToPosition);
}

/// <summary>A deployment that failed, with the pipeline's reason.</summary>
public sealed record FailedDeployment(
    string DeploymentId,
    string Version,
    SlotKind Slot,
    string Reason,
    Actor By,
    DateTimeOffset At,
    long Position
);

/// <summary>
/// One model's slots in one environment: exactly one live version or none, an optional canary and shadow, the deployments
/// in flight, and the history of every interval. Evolved from the slot's stream; its inline projection stores it
/// <see cref="Bounded"/>, so a stored one holds only what commands decide on. A deployment id names one deployment of a slot,
/// whatever became of it (completed, failed, rolled back to): it is never used again there.
/// </summary>
public sealed record EnvironmentSlot
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Environment { get; init; }

    /// <summary>The ledger position of the slot's latest event.</summary>
    public long Position { get; init; }
    public IReadOnlyList<InFlightDeployment> InFlight { get; init; } = [];

    /// <summary>Every interval, in the order they began.</summary>
    public IReadOnlyList<SlotInterval> History { get; init; } = [];
    public IReadOnlyList<FailedDeployment> Failed { get; init; } = [];

    public SlotInterval? Live => Open(SlotKind.Live);
    public SlotInterval? Canary => Open(SlotKind.Canary);
    public SlotInterval? Shadow => Open(SlotKind.Shadow);

    private SlotInterval? Open(SlotKind kind) => History.LastOrDefault(i => i.IsOpen && i.Slot == kind);

    /// <summary>The slot's stream: one per model and environment (identifiers cannot hold <c>/</c>).</summary>
    public static string StreamKey(string modelId, string environment) => $"slot:{modelId}/{environment}";

    /// <summary>The deployment live at ledger position <paramref name="position"/>, or null.</summary>
    public SlotInterval? LiveAt(long position) => History.LastOrDefault(i => i.Slot == SlotKind.Live && i.Covers(position));

    /// <summary>
    /// The version to roll back to: the latest live interval that ended, of another version than the one live now.
    /// </summary>
    public SlotInterval? PreviousLive =>
        History
            .Where(i => i.Slot == SlotKind.Live && !i.IsOpen && i.Version != Live?.Version)
            .OrderBy(i => i.ToPosition)
            .ThenBy(i => i.FromPosition)
            .LastOrDefault();

    /// <summary>True when the slot holds a deployment <paramref name="deploymentId"/>: in flight, in its history or failed.</summary>
    public bool Holds(string deploymentId) =>
        InFlight.Any(d => d.DeploymentId == deploymentId)
        || History.Any(i => i.DeploymentId == deploymentId)
        || Failed.Any(f => f.DeploymentId == deploymentId);

    /// <summary>
    /// The slot as commands decide on it, bounded however many deployments it has seen: the deployments in flight, the open
    /// intervals (<see cref="Live"/>, <see cref="Canary"/>, <see cref="Shadow"/>), and of the ended live intervals only the
    /// latest of each of the two versions whose live intervals ended last, which is all <see cref="PreviousLive"/> can
    /// ever name (whichever version is live, one of the two is another one, and nothing older ended later); no failures.
    /// The full slot grows with every deployment, and commands read and write their document whole (docs/performance.md);
    /// views fold the slot's events instead. A decision that turns on a deployment id the bounded slot no longer holds is
    /// told whether the slot's events record it (<see cref="DeploymentLifecycle.Start"/>).
    /// </summary>
    public EnvironmentSlot Bounded()
    {
        // Live intervals follow one another, so History's order (the order they began) is also the order they ended.
        var ended = History.Where(i => i.Slot == SlotKind.Live && !i.IsOpen).ToArray();
        var last = ended.LastOrDefault();
        var beforeLast = last is null ? null : ended.LastOrDefault(i => i.Version != last.Version);
        return this with
        {
            History = History.Where(i => i.IsOpen || ReferenceEquals(i, last) || ReferenceEquals(i, beforeLast)).ToArray(),
            Failed = [],
        };
    }

    /// <summary>The slot after <paramref name="event"/>, recorded at ledger position <paramref name="position"/> (0 when not
    /// yet known, as while deciding).</summary>
    public static EnvironmentSlot? Evolve(EnvironmentSlot? state, object @event, long position)
    {
        if (@event is not ISlotEvent e)
            return state;
        state ??= new EnvironmentSlot
        {
            Id = StreamKey(e.ModelId, e.Environment),
            ModelId = e.ModelId,
            Environment = e.Environment,
        };
        state = state with { Position = position };
        return e switch
        {
            DeploymentStarted s => state with
            {
                InFlight =
                [
                    .. state.InFlight,
                    new InFlightDeployment(
                        s.DeploymentId,
                        s.Version,
                        s.ArtifactDigest,
                        s.PipelineRunId,
                        s.Slot,
                        s.TrafficPercent,
                        s.ApprovalId,
                        s.ApprovalExpiresAt,
                        s.Audit.Actor,
                        s.Audit.At,
                        position
                    ),
                ],
            },
            DeploymentCompleted c when state.InFlight.FirstOrDefault(d => d.DeploymentId == c.DeploymentId) is { } started => state with
            {
                InFlight = state.InFlight.Where(d => d != started).ToArray(),
                History =
                [
                    .. state.History.Select(i => EndedBy(i, c.Slot, c.Version, c.DeploymentId, c.Audit.At, position)),
                    new SlotInterval(
                        c.DeploymentId,
                        c.Version,
                        started.ArtifactDigest,
                        c.Slot,
                        c.TrafficPercent,
                        started.PipelineRunId,
                        c.ApprovalId,
                        c.ApprovalStanding,
                        false,
                        c.Audit.Actor,
                        c.Audit.At,
                        position
                    ),
                ],
            },
            DeploymentFailed f => state with
            {
                InFlight = state.InFlight.Where(d => d.DeploymentId != f.DeploymentId).ToArray(),
                Failed =
                [
                    .. state.Failed,
                    new FailedDeployment(
                        f.DeploymentId,
                        f.Version,
                        state.InFlight.FirstOrDefault(d => d.DeploymentId == f.DeploymentId)?.Slot ?? SlotKind.Live,
                        f.Audit.Reason,
                        f.Audit.Actor,
                        f.Audit.At,
                        position
                    ),
                ],
            },
            LiveVersionRolledBack r => state with
            {
                History =
                [
                    .. state.History.Select(i =>
                        i.IsOpen && i.Slot == SlotKind.Live ? Close(i, "rolled_back", r.DeploymentId, r.Audit.At, position) : i
                    ),
                    new SlotInterval(
                        r.DeploymentId,
                        r.Version,
                        r.ArtifactDigest,
                        SlotKind.Live,
                        100,
                        r.PipelineRunId,
                        r.ApprovalId,
                        null,
                        r.Emergency,
                        r.Audit.Actor,
                        r.Audit.At,
                        position
                    ),
                ],
            },
            LiveVersionWithdrawn w => state with
            {
                History = state
                    .History.Select(i =>
                        i.DeploymentId == w.DeploymentId && i.IsOpen ? Close(i, "withdrawn", w.DeploymentId, w.Audit.At, position) : i
                    )
                    .ToArray(),
            },
            _ => state,
        };
    }

    /// <summary>An open interval after a completion into <paramref name="slot"/>: the slot's previous occupant is replaced,
    /// and a canary or shadow of the version that goes live is promoted.</summary>
    private static SlotInterval EndedBy(
        SlotInterval i,
        SlotKind slot,
        string version,
        string deploymentId,
        DateTimeOffset at,
        long position
    ) =>
        !i.IsOpen ? i
        : i.Slot == slot ? Close(i, "replaced", deploymentId, at, position)
        : slot == SlotKind.Live && i.Version == version ? Close(i, "promoted", deploymentId, at, position)
        : i;

    private static SlotInterval Close(SlotInterval i, string why, string deploymentId, DateTimeOffset at, long position) =>
        i with
        {
            To = at,
            ToPosition = position,
            EndedBy = why,
            EndedByDeploymentId = deploymentId,
        };
}

/// <summary>
/// Whether a slot's occupant runs under a valid approval: its approval may have been revoked, suspended or have expired since
/// it was deployed, or it may be an emergency rollback that had none. Computed when asked, from the slot and the version's
/// approvals, so a revocation marks the live deployment at once without writing to the slot.
/// </summary>
/// <param name="Code">Null when valid; else <c>approval_revoked</c>, <c>approval_suspended</c>, <c>approval_expired</c> or
/// <c>emergency_rollback</c>.</param>
public sealed record SlotStanding(SlotInterval Deployment, bool RunningWithValidApproval, string? Code, string? Message)
{
    /// <summary>The standing of <paramref name="occupant"/> at <paramref name="now"/>, given its version's state (null when the
    /// version is unknown, which cannot hold a valid approval).</summary>
    public static SlotStanding Of(SlotInterval occupant, ModelVersion? version, DateTimeOffset now)
    {
        if (occupant.ApprovalId is null)
            return new(occupant, false, "emergency_rollback", $"Emergency rollback to {occupant.Version} without a valid approval.");
        var approval = version?.FindApproval(occupant.ApprovalId);
        return approval switch
        {
            null => new(occupant, false, "approval_unknown", $"Approval {occupant.ApprovalId} is not recorded on {occupant.Version}."),
            { Status: ApprovalStatus.Revoked } => new(
                occupant,
                false,
                "approval_revoked",
                $"Approval {approval.Id} was revoked on {approval.RevokedAt:u}: {approval.RevocationReason}"
            ),
            { Status: ApprovalStatus.Suspended } => new(
                occupant,
                false,
                "approval_suspended",
                $"Approval {approval.Id} is suspended with its model version."
            ),
            _ when approval.ExpiresAt is { } expiry && expiry <= now => new(
                occupant,
                false,
                "approval_expired",
                $"Approval {approval.Id} expired on {expiry:u}."
            ),
            _ => new(occupant, true, null, null),
        };
    }
}

/// <summary>A pipeline starts deploying a version to an environment's slot.</summary>
/// <param name="DeploymentId">The pipeline's id for this deployment (an identifier); generated by the ledger when absent.</param>
/// <param name="Slot"><c>Live</c> (default), <c>Canary</c> or <c>Shadow</c>.</param>
/// <param name="TrafficPercent">1–100; default 100 for live and shadow, required for a canary (1–99).</param>
public sealed record StartDeployment(
    string? Environment,
    string? PipelineRunId,
    string? ArtifactDigest,
    string? DeploymentId = null,
    SlotKind? Slot = null,
    int? TrafficPercent = null,
    string? Reason = null
);

/// <summary>A pipeline reports that a started deployment finished rolling out.</summary>
public sealed record CompleteDeployment(string? DeploymentId, string? Reason = null);

/// <summary>A pipeline reports that a started deployment failed; the reason is required.</summary>
public sealed record FailDeployment(string? DeploymentId, string? Reason);

/// <summary>Roll the live version back to the previous one. Without a valid approval for it the rollback is refused, unless
/// <paramref name="Emergency"/> is set: then it is recorded as an emergency rollback and flagged.</summary>
public sealed record RollbackDeployment(string? PipelineRunId, string? Reason, bool Emergency = false, string? DeploymentId = null);

/// <summary>What a slot command decided: the slot's events and the facts for the versions' own streams (a completed live
/// deployment is also a <see cref="ModelVersionDeployed"/> of its version and a <see cref="DeploymentReplaced"/> of the one
/// it replaced), all committed in one transaction.</summary>
public sealed record SlotDecision(IReadOnlyList<ISlotEvent> Slot, IReadOnlyList<IModelVersionEvent> Versions);

/// <summary>The deployment lifecycle's rules (started, completed, failed, rolled back), as pure deciders.</summary>
public static class DeploymentLifecycle
{
    /// <summary>The start command's own fields (the CLI runs it before sending anything).</summary>
    public static InputCheck Check(StartDeployment command)
    {
        var check = new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.PipelineRunId, "pipelineRunId", 200)
            .Sha256(command.ArtifactDigest, "artifactDigest")
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.Slot is not null)
            check.Defined(command.Slot, "slot");
        if (command.DeploymentId is not null)
            check.Slug(command.DeploymentId, "deploymentId");
        var (low, high) = command.Slot == SlotKind.Canary ? (1, 99) : (1, 100);
        if (command.Slot == SlotKind.Canary && command.TrafficPercent is null)
            check.Fail("trafficPercent", "is required for a canary (1 to 99)");
        else if (command.TrafficPercent is { } share && (share < low || share > high))
            check.Fail("trafficPercent", $"must be from {low} to {high} for a {command.Slot ?? SlotKind.Live} slot, got {share}");
        return check;
    }

    /// <summary>
    /// Starts a deployment: the approval check is made now, and its answer (approval id and expiry) recorded in
    /// <see cref="DeploymentStarted"/>; without an approval allowing it the refused attempt is recorded instead
    /// (<see cref="DeploymentRefused"/>, on the version's stream).
    /// </summary>
    /// <param name="slot">The slot, possibly <see cref="EnvironmentSlot.Bounded"/>.</param>
    /// <param name="idRecordedEarlier">Whether the slot's events record the command's deployment id though
    /// <paramref name="slot"/> no longer holds it: a deployment id names one deployment of a slot, whatever became of it.</param>
    /// <param name="generatedId">The deployment id to use when the command names none.</param>
    /// <exception cref="GovernanceRuleException">Invalid input; conflict <c>deployment.id_taken</c>.</exception>
    public static ILedgerEvent Start(
        StartDeployment command,
        ModelVersion version,
        EnvironmentSlot? slot,
        bool idRecordedEarlier,
        string generatedId,
        CommandContext context
    )
    {
        Check(command).ThrowIfAny();
        var id = command.DeploymentId ?? generatedId;
        if (idRecordedEarlier || slot?.Holds(id) == true)
            throw IdTaken(id, command.Environment!, version.ModelId);
        var digest = Digest.Normalize(command.ArtifactDigest!);
        var decision = DeploymentPolicy.Check(version, digest, command.Environment!, context.Now);
        if (!decision.Allowed)
            return new DeploymentRefused(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.PipelineRunId!,
                digest,
                decision.Reasons,
                context.Audit(command.Reason ?? "Deployment attempt refused by the ledger")
            );
        var kind = command.Slot ?? SlotKind.Live;
        return new DeploymentStarted(
            version.ModelId,
            command.Environment!,
            id,
            version.Version,
            digest,
            command.PipelineRunId!,
            kind,
            command.TrafficPercent ?? 100,
            decision.ApprovalId!,
            decision.ExpiresAt!.Value,
            context.Audit(command.Reason ?? $"Deployment of {version.Version} started")
        );
    }

    /// <summary>
    /// Completes a started deployment, whatever became of its approval meanwhile: the approval's standing now is recorded,
    /// and a live deployment replaces the live version (recorded on both versions' streams).
    /// </summary>
    /// <param name="idRecordedEarlier">Whether the slot's events record the deployment id though <paramref name="slot"/> no
    /// longer holds it (<see cref="EnvironmentSlot.Bounded"/>): a deployment that completed or failed, or a rollback, long
    /// ago.</param>
    /// <param name="version">The deployed version's state now.</param>
    /// <exception cref="GovernanceRuleException">Invalid input; not found <c>deployment.not_found</c>; conflict
    /// <c>deployment.not_in_flight</c> when it already completed or failed.</exception>
    public static SlotDecision Complete(
        CompleteDeployment command,
        EnvironmentSlot? slot,
        bool idRecordedEarlier,
        ModelVersion version,
        CommandContext context
    )
    {
        var started = InFlight(command.DeploymentId, command.Reason, "reason", slot, idRecordedEarlier, required: false);
        var approval = version.FindApproval(started.ApprovalId);
        var standing =
            approval?.Status == ApprovalStatus.Revoked ? ApprovalStanding.Revoked
            : approval?.Status == ApprovalStatus.Suspended ? ApprovalStanding.Suspended
            : approval?.ExpiresAt is { } expiry && expiry <= context.Now ? ApprovalStanding.Expired
            : ApprovalStanding.Valid;
        var replaced = started.Slot switch
        {
            SlotKind.Live => slot!.Live,
            SlotKind.Canary => slot!.Canary,
            _ => slot!.Shadow,
        };
        var note = standing switch
        {
            ApprovalStanding.Valid => "",
            ApprovalStanding.Expired => $" (approval {started.ApprovalId} expired during the rollout, on {approval!.ExpiresAt:u})",
            _ => $" (approval {started.ApprovalId} was {standing.ToString().ToLowerInvariant()} during the rollout)",
        };
        var audit = context.Audit(command.Reason ?? $"Deployment of {started.Version} completed{note}");
        var completed = new DeploymentCompleted(
            slot!.ModelId,
            slot.Environment,
            started.DeploymentId,
            started.Version,
            started.Slot,
            started.TrafficPercent,
            started.ApprovalId,
            standing,
            replaced?.DeploymentId,
            replaced?.Version,
            audit
        );
        if (started.Slot != SlotKind.Live)
            return new SlotDecision([completed], []);
        IModelVersionEvent deployed = new ModelVersionDeployed(
            slot.ModelId,
            started.Version,
            slot.Environment,
            started.PipelineRunId,
            started.ArtifactDigest,
            started.ApprovalId,
            audit
        );
        // A redeployment of the same version is one more deployment on its own record (which closes the earlier one), not a
        // replacement of one version by another.
        return new SlotDecision(
            [completed],
            replaced is null || replaced.Version == started.Version
                ? [deployed]
                :
                [
                    new DeploymentReplaced(
                        slot.ModelId,
                        replaced.Version,
                        slot.Environment,
                        started.Version,
                        started.DeploymentId,
                        context.Audit($"Replaced in {slot.Environment} by {started.Version} (deployment {started.DeploymentId})")
                    ),
                    deployed,
                ]
        );
    }

    /// <summary>Records that a started deployment failed; the slot keeps what it had.</summary>
    /// <param name="idRecordedEarlier">As for <see cref="Complete"/>.</param>
    /// <exception cref="GovernanceRuleException">Invalid input (the reason is required); not found; not in flight.</exception>
    public static DeploymentFailed Fail(FailDeployment command, EnvironmentSlot? slot, bool idRecordedEarlier, CommandContext context)
    {
        var started = InFlight(command.DeploymentId, command.Reason, "reason", slot, idRecordedEarlier, required: true);
        return new DeploymentFailed(
            slot!.ModelId,
            slot.Environment,
            started.DeploymentId,
            started.Version,
            context.Audit(command.Reason!.Trim())
        );
    }

    /// <summary>
    /// Rolls the live version back to the previous one (<see cref="EnvironmentSlot.PreviousLive"/>) if that version still
    /// holds a valid approval for the environment; otherwise refuses, unless the command says emergency: then the rollback is
    /// recorded without an approval, with the reasons, and flagged until replaced.
    /// </summary>
    /// <param name="idRecordedEarlier">Whether the slot's events record the command's deployment id though
    /// <paramref name="slot"/> no longer holds it (as for <see cref="Start"/>).</param>
    /// <param name="previous">The state of the version to restore (<see cref="EnvironmentSlot.PreviousLive"/>'s).</param>
    /// <exception cref="GovernanceRuleException">Invalid input; conflict <c>deployment.id_taken</c>, <c>rollback.nothing_live</c>,
    /// <c>rollback.no_previous</c>, <c>rollback.no_valid_approval</c> (with the reasons).</exception>
    public static SlotDecision Rollback(
        RollbackDeployment command,
        EnvironmentSlot? slot,
        bool idRecordedEarlier,
        ModelVersion? previous,
        string generatedId,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Required(command.PipelineRunId, "pipelineRunId", 200)
            .Required(command.Reason, "reason", 10_000, multiline: true);
        if (command.DeploymentId is not null)
            check.Slug(command.DeploymentId, "deploymentId");
        check.ThrowIfAny();
        var id = command.DeploymentId ?? generatedId;
        if (slot is not null && (idRecordedEarlier || slot.Holds(id)))
            throw IdTaken(id, slot.Environment, slot.ModelId);
        if (slot?.Live is not { } live)
            throw GovernanceRuleException.Conflict(
                "rollback.nothing_live",
                "No version is live in this environment: nothing to roll back."
            );
        if (slot.PreviousLive is not { } target || previous is null)
            throw GovernanceRuleException.Conflict(
                "rollback.no_previous",
                $"{live.Version} is the only version that was live in '{slot.Environment}': there is no previous version to restore."
            );
        var decision = DeploymentPolicy.Check(previous, target.ArtifactDigest, slot.Environment, context.Now);
        if (!decision.Allowed && !command.Emergency)
            throw new GovernanceRuleException(
                RuleKind.Conflict,
                "rollback.no_valid_approval",
                $"The previous version {target.Version} holds no valid approval for '{slot.Environment}' ("
                    + string.Join("; ", decision.Reasons.Select(r => r.Code))
                    + "): the rollback is refused. An emergency rollback is recorded as such and flagged until replaced."
            );
        var reason = command.Reason!.Trim();
        var audit = context.Audit(command.Emergency && !decision.Allowed ? $"Emergency rollback: {reason}" : reason);
        var rolledBack = new LiveVersionRolledBack(
            slot.ModelId,
            slot.Environment,
            id,
            target.Version,
            target.ArtifactDigest,
            command.PipelineRunId!,
            live.DeploymentId,
            live.Version,
            decision.ApprovalId,
            decision.ExpiresAt,
            !decision.Allowed,
            decision.Reasons,
            audit
        );
        return new SlotDecision(
            [rolledBack],
            [
                new DeploymentRolledBack(slot.ModelId, live.Version, slot.Environment, command.PipelineRunId!, audit),
                new ModelVersionRestored(
                    slot.ModelId,
                    target.Version,
                    slot.Environment,
                    command.PipelineRunId!,
                    target.ArtifactDigest,
                    id,
                    decision.ApprovalId,
                    !decision.Allowed,
                    audit
                ),
            ]
        );
    }

    /// <summary>
    /// The slot's side of a version taken out of the environment (<see cref="DeploymentDecisions.Decide(RecordRollback,
    /// ModelVersion, CommandContext)"/>): its live interval ends, when that version is the one live.
    /// </summary>
    public static IReadOnlyList<ISlotEvent> Withdraw(EnvironmentSlot? slot, DeploymentRolledBack rolledBack) =>
        slot?.Live is { } live && live.Version == rolledBack.Version
            ?
            [
                new LiveVersionWithdrawn(
                    slot.ModelId,
                    slot.Environment,
                    live.DeploymentId,
                    live.Version,
                    rolledBack.PipelineRunId,
                    rolledBack.Audit
                ),
            ]
            : [];

    private static GovernanceRuleException IdTaken(string id, string environment, string modelId) =>
        GovernanceRuleException.Conflict(
            "deployment.id_taken",
            $"Deployment '{id}' is already recorded in '{environment}' of {modelId}; use a new deployment id."
        );

    private static InFlightDeployment InFlight(
        string? deploymentId,
        string? reason,
        string reasonField,
        EnvironmentSlot? slot,
        bool idRecordedEarlier,
        bool required
    )
    {
        var check = new InputCheck().Slug(deploymentId, "deploymentId");
        if (required)
            check.Required(reason, reasonField, 10_000, multiline: true);
        else
            check.Optional(reason, reasonField, 2000, multiline: true);
        check.ThrowIfAny();
        if (slot?.InFlight.FirstOrDefault(d => d.DeploymentId == deploymentId) is { } started)
            return started;
        throw idRecordedEarlier || slot?.Holds(deploymentId!) == true
            ? GovernanceRuleException.Conflict("deployment.not_in_flight", $"Deployment '{deploymentId}' already completed or failed.")
            : GovernanceRuleException.NotFound("deployment.not_found", $"No deployment '{deploymentId}' was started in this environment.");
    }
}
