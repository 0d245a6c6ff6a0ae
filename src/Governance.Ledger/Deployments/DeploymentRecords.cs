using System.Text.Json;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Deployments;

/// <summary>What a deployment report recorded: the deployment, or the refused attempt (stored as evidence).</summary>
public sealed record DeploymentOutcome(ModelVersionDeployed? Deployed, DeploymentRefused? Refused);

/// <summary>What a start recorded: the started deployment, or the refused attempt (stored as evidence).</summary>
public sealed record DeploymentStartOutcome(DeploymentStarted? Started, DeploymentRefused? Refused);

/// <summary>
/// A lifecycle step's answer: the slot's event (<see cref="DeploymentCompleted"/>, <see cref="DeploymentFailed"/> or
/// <see cref="LiveVersionRolledBack"/>; typed object so that it is written whole) and the slot after it as commands decide on
/// it (<see cref="EnvironmentSlot.Bounded"/>: occupants, deployments in flight, a rollback's candidates; positions 0). The
/// slot's whole history, with positions, is <see cref="EnvironmentSlots"/>' view.
/// </summary>
public sealed record SlotStep(object Recorded, EnvironmentSlot Slot);

/// <summary>Names one model's slot in one environment.</summary>
public sealed record SlotRef(string ModelId, string Environment)
{
    public string StreamKey => EnvironmentSlot.StreamKey(ModelId, Environment);

    /// <summary>Refuses a model id or environment that is not an identifier, before any stream is addressed.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input naming the field.</exception>
    public SlotRef Checked()
    {
        new InputCheck().Slug(ModelId, "modelId").Slug(Environment, "environment").ThrowIfAny();
        return this;
    }
}

/// <summary>
/// The environment slots' own projection, inline: one document per model and environment, which the lifecycle's commands
/// decide on, kept <see cref="EnvironmentSlot.Bounded"/> so that a command's cost does not grow with the slot's history. The
/// store numbers events as it inserts them, after this runs, so the document's positions are 0; answers that state positions
/// or show history fold the slot's events instead (<see cref="EnvironmentSlots"/>).
/// </summary>
public sealed class EnvironmentSlotProjection : SingleStreamProjection<EnvironmentSlot, string>
{
    public EnvironmentSlotProjection() => IncludeType<ISlotEvent>();

    public override EnvironmentSlot? Evolve(EnvironmentSlot? snapshot, string id, IEvent e) =>
        EnvironmentSlot.Evolve(snapshot, e.Data, e.Sequence)?.Bounded();
}

/// <summary>
/// The deployment lifecycle, as pipelines report it: started (the approval check made then, its answer recorded), completed,
/// failed, rolled back; and <see cref="RecordDeploymentAsync"/> (start and complete at once) for pipelines that report
/// after deploying. Each step writes the environment slot's stream and, in the same transaction, the versions' own facts;
/// a step that loses a race to another pipeline is decided again from a fresh read, so concurrent deployments are all
/// recorded. A deployment without an active approval is refused and the refusal recorded.
/// </summary>
public sealed class DeploymentRecords(LedgerWriter writer, IDocumentStore store, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Roles = [Domain.Shared.Roles.DeploymentPipeline];

    private static EnvironmentSlot? EvolveSlot(EnvironmentSlot? state, object e) => EnvironmentSlot.Evolve(state, e, 0);

    /// <summary>
    /// Records a deployment (started and completed at once) or, without a granted, unexpired, unrevoked approval for this
    /// digest and environment, the refused attempt: that is not an exception, because the refusal itself is evidence and is
    /// stored. Written on the version's stream (its ETag is what <c>If-Match</c> names) and the slot's.
    /// </summary>
    public Task<Written<DeploymentOutcome>> RecordDeploymentAsync(
        VersionRef target,
        RecordDeployment command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.RetryOnConflictAsync(
            [target.StreamKey, EnvironmentSlot.StreamKey(target.ModelId, command.Environment ?? "")],
            call,
            async () =>
            {
                DeploymentDecisions.Check(command).ThrowIfAny();
                var start = new StartDeployment(command.Environment, command.PipelineRunId, command.ArtifactDigest, Reason: command.Reason);
                var slotKey = EnvironmentSlot.StreamKey(target.ModelId, command.Environment!);
                await using var write = await writer.BeginAsync<ModelVersion>(
                    target.StreamKey,
                    ModelVersion.Evolve,
                    call,
                    Roles,
                    [OtherStream.Of<EnvironmentSlot>(slotKey)],
                    ct
                );
                if (write.IsReplay)
                    return write.Replay<DeploymentOutcome>();
                var version = target.Require(write.Before);
                var slot = await write.FetchOtherAsync<EnvironmentSlot>(slotKey, ct);
                switch (DeploymentLifecycle.Start(start, version, slot, idRecordedEarlier: false, NewDeploymentId(), write.Context))
                {
                    case DeploymentStarted started:
                        var completed = DeploymentLifecycle.Complete(
                            new CompleteDeployment(started.DeploymentId, command.Reason),
                            EvolveSlot(slot, started),
                            idRecordedEarlier: false,
                            version,
                            write.Context
                        );
                        write.AppendTo(slotKey, [started, .. completed.Slot]);
                        AppendVersionFacts(write, target.ModelId, completed.Versions);
                        return await write.CommitAsync(
                            new DeploymentOutcome(completed.Versions.OfType<ModelVersionDeployed>().Single(), null),
                            ct
                        );
                    case var refused:
                        write.Append(refused);
                        return await write.CommitAsync(new DeploymentOutcome(null, (DeploymentRefused)refused), ct);
                }
            },
            ct
        );

    /// <summary>Records that a pipeline took this version out of an environment; its slot then has no live version.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input; not found; conflict <c>deployment.not_live</c>.</exception>
    public Task<Written<DeploymentRolledBack>> RecordRollbackAsync(
        VersionRef target,
        RecordRollback command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.RetryOnConflictAsync(
            [target.StreamKey, EnvironmentSlot.StreamKey(target.ModelId, command.Environment ?? "")],
            call,
            async () =>
            {
                await using var write = await writer.BeginAsync<ModelVersion>(target.StreamKey, ModelVersion.Evolve, call, Roles, ct);
                if (write.IsReplay)
                    return write.Replay<DeploymentRolledBack>();
                var rolledBack = DeploymentDecisions.Decide(command, target.Require(write.Before), write.Context);
                var slotKey = EnvironmentSlot.StreamKey(target.ModelId, rolledBack.Environment);
                var slot = await write.FetchOtherAsync<EnvironmentSlot>(slotKey, ct);
                write.Append(rolledBack);
                if (DeploymentLifecycle.Withdraw(slot, rolledBack) is { Count: > 0 } withdrawn)
                    write.AppendTo(slotKey, [.. withdrawn]);
                return await write.CommitAsync(rolledBack, ct);
            },
            ct
        );

    /// <summary>
    /// Starts a deployment of <paramref name="target"/>: the approval check is made now and its answer recorded with the
    /// start; without an approval that allows it, the refused attempt is recorded on the version instead.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Invalid input; not found; conflict <c>deployment.id_taken</c>.</exception>
    public Task<Written<DeploymentStartOutcome>> StartAsync(
        VersionRef target,
        StartDeployment command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.RetryOnConflictAsync(
            [EnvironmentSlot.StreamKey(target.ModelId, command.Environment ?? ""), target.StreamKey],
            call,
            async () =>
            {
                DeploymentLifecycle.Check(command).ThrowIfAny();
                await using var write = await writer.BeginAsync<EnvironmentSlot>(
                    new SlotRef(target.ModelId, command.Environment!).Checked().StreamKey,
                    EvolveSlot,
                    call,
                    Roles,
                    [OtherStream.Of<ModelVersion>(target.StreamKey)],
                    ct
                );
                if (write.IsReplay)
                    return write.Replay<DeploymentStartOutcome>();
                var version = target.Require(await write.FetchOtherAsync<ModelVersion>(target.StreamKey, ct));
                var earlier = await RecordedEarlierAsync(write, command.DeploymentId, ct);
                var decided = DeploymentLifecycle.Start(command, version, write.Before, earlier, NewDeploymentId(), write.Context);
                write.AppendTo(decided is DeploymentStarted ? write.StreamKey : target.StreamKey, decided);
                return await write.CommitAsync(new DeploymentStartOutcome(decided as DeploymentStarted, decided as DeploymentRefused), ct);
            },
            ct
        );

    /// <summary>Completes a started deployment (<see cref="DeploymentLifecycle.Complete"/>): it fills its slot, replacing the
    /// previous occupant, and records whether its approval still stood.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input; not found; conflict <c>deployment.not_in_flight</c>.</exception>
    public Task<Written<SlotStep>> CompleteAsync(SlotRef slot, CompleteDeployment command, CommandCall call, CancellationToken ct) =>
        SlotStepAsync(
            slot,
            call,
            async (write, ct) =>
            {
                var started = write.Before?.InFlight.FirstOrDefault(d => d.DeploymentId == command.DeploymentId);
                var version = started is null
                    ? null
                    : await write.FetchOtherAsync<ModelVersion>(ModelVersion.StreamKey(slot.ModelId, started.Version), ct);
                var earlier = started is null && await RecordedEarlierAsync(write, command.DeploymentId, ct);
                return DeploymentLifecycle.Complete(command, write.Before, earlier, version!, write.Context);
            },
            ct
        );

    /// <summary>Records that a started deployment failed; the slot keeps what it had.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (reason required); not found; not in flight.</exception>
    public Task<Written<SlotStep>> FailAsync(SlotRef slot, FailDeployment command, CommandCall call, CancellationToken ct) =>
        SlotStepAsync(
            slot,
            call,
            async (write, ct) =>
            {
                var inFlight = write.Before?.InFlight.Any(d => d.DeploymentId == command.DeploymentId) == true;
                var earlier = !inFlight && await RecordedEarlierAsync(write, command.DeploymentId, ct);
                return new SlotDecision([DeploymentLifecycle.Fail(command, write.Before, earlier, write.Context)], []);
            },
            ct
        );

    /// <summary>Rolls the live version back to the previous one, under its approval, or as a flagged emergency rollback when
    /// the command says so (<see cref="DeploymentLifecycle.Rollback"/>).</summary>
    /// <exception cref="GovernanceRuleException">Invalid input; conflict <c>rollback.nothing_live</c>, <c>rollback.no_previous</c>,
    /// <c>rollback.no_valid_approval</c>.</exception>
    public Task<Written<SlotStep>> RollbackAsync(SlotRef slot, RollbackDeployment command, CommandCall call, CancellationToken ct) =>
        SlotStepAsync(
            slot,
            call,
            async (write, ct) =>
            {
                var previous = write.Before?.PreviousLive is { } target
                    ? await write.FetchOtherAsync<ModelVersion>(ModelVersion.StreamKey(slot.ModelId, target.Version), ct)
                    : null;
                var earlier = await RecordedEarlierAsync(write, command.DeploymentId, ct);
                return DeploymentLifecycle.Rollback(command, write.Before, earlier, previous, NewDeploymentId(), write.Context);
            },
            ct
        );

    private Task<Written<SlotStep>> SlotStepAsync(
        SlotRef slot,
        CommandCall call,
        Func<StreamWrite<EnvironmentSlot>, CancellationToken, Task<SlotDecision>> decide,
        CancellationToken ct
    ) =>
        writer.RetryOnConflictAsync(
            [slot.StreamKey],
            call,
            async () =>
            {
                await using var write = await BeginSlotAsync(slot.Checked(), call, ct);
                if (write.IsReplay)
                    return write.Replay<SlotStep>();
                var decision = await decide(write, ct);
                write.Append([.. decision.Slot]);
                AppendVersionFacts(write, slot.ModelId, decision.Versions);
                return await write.CommitAsync(new SlotStep(decision.Slot[0], write.After!.Bounded()), ct);
            },
            ct
        );

    private Task<StreamWrite<EnvironmentSlot>> BeginSlotAsync(SlotRef slot, CommandCall call, CancellationToken ct) =>
        writer.BeginAsync<EnvironmentSlot>(slot.Checked().StreamKey, EvolveSlot, call, Roles, ct);

    /// <summary>Each version's facts on its own stream.</summary>
    private static void AppendVersionFacts<T>(StreamWrite<T> write, string modelId, IReadOnlyList<IModelVersionEvent> facts)
        where T : class
    {
        foreach (var fact in facts)
            write.AppendTo(ModelVersion.StreamKey(modelId, fact.Version), fact);
    }

    /// <summary>Every slot event's deployment id as stored: the ledger serialises events camel-cased (<c>LedgerSetup</c>).</summary>
    private static readonly string DeploymentIdField = JsonNamingPolicy.CamelCase.ConvertName(nameof(ISlotEvent.DeploymentId));

    /// <summary>
    /// Whether the slot's events up to the version this command read record <paramref name="deploymentId"/> though the slot
    /// as commands read it no longer holds it (<see cref="EnvironmentSlot.Bounded"/>), so the answer is the one the whole slot
    /// at that version would give. Asked only when a decision turns on an id: a start or rollback that names its own, or a
    /// completion or failure of a deployment not in flight. It reads the slot's events in PostgreSQL (the range of its stream, each event's
    /// <c>deploymentId</c>), so its cost grows with the slot's history, unlike the rest of the command; starts with ids the
    /// ledger generates never ask it.
    /// </summary>
    private async Task<bool> RecordedEarlierAsync(StreamWrite<EnvironmentSlot> write, string? deploymentId, CancellationToken ct)
    {
        if (deploymentId is null || write.Before is not { } slot || slot.Holds(deploymentId))
            return false;
        await using var session = store.QuerySession();
        var found = await session.AdvancedSql.QueryAsync<bool>(
            $"select exists (select 1 from {store.Options.Events.DatabaseSchemaName}.mt_events where stream_id = ? "
                + $"and version <= ? and data ->> '{DeploymentIdField}' = ?)",
            ct,
            write.StreamKey,
            write.Version,
            deploymentId
        );
        return found.Single();
    }

    /// <summary>A deployment id for a pipeline that names none: <c>dep-</c> and a time-ordered UUID (RFC 9562 version 7).</summary>
    private string NewDeploymentId() => $"dep-{Guid.CreateVersion7(clock.GetUtcNow()):N}";
}
