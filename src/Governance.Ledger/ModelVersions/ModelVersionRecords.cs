using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.Datasets;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.ModelVersions;

/// <summary>A model version's state, inline and kept <see cref="ModelVersion.Bounded"/> (live deployments, each host's last load):
/// what every command on a version reads, at a cost that does not grow with its deployments and loads. The version's record
/// with every deployment and load is its stream folded (<see cref="ModelVersionRecords.RecordAsync"/>). With each change it
/// also stores the version's compact approval-lookup row (<see cref="DeploymentGate"/>, what the approval check reads) and queues
/// <c>NOTIFY</c> <see cref="DeploymentGates.Channel"/>, both in the transaction of the events, so that every node's gate cache
/// forgets the version when, and only when, the change commits. Events that cannot change the row (deployments, loads, evidence:
/// <see cref="DeploymentGate.MayChange(IModelVersionEvent)"/>) leave both out.</summary>
public sealed class ModelVersionProjection : SingleStreamProjection<ModelVersion, string>
{
    public ModelVersionProjection() => IncludeType<IModelVersionEvent>();

    public override ModelVersion? Evolve(ModelVersion? snapshot, string id, IEvent e) => ModelVersion.Evolve(snapshot, e.Data)?.Bounded();

    public override ValueTask RaiseSideEffects(IDocumentOperations operations, IEventSlice<ModelVersion> slice)
    {
        if (slice.Snapshot is { } version && DeploymentGate.MayChange(slice.Events().Select(e => e.Data)))
        {
            operations.Store(DeploymentGate.Of(version));
            operations.QueueSqlCommand(DeploymentGates.NotifySql(version.Id));
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>Names one model version: model id and version label.</summary>
public sealed record VersionRef(string ModelId, string Version)
{
    public string StreamKey => ModelVersion.StreamKey(ModelId, Version);

    /// <summary>The version's state for writing, or a 404-kind refusal naming it.</summary>
    public ModelVersion Require(ModelVersion? state) => state ?? throw NotFound();

    public GovernanceRuleException NotFound() =>
        GovernanceRuleException.NotFound("model_version.not_found", $"Model '{ModelId}' has no registered version '{Version}'.");

    /// <summary>The version's model (owner and delegates, for the first line's rules and segregation of duties), read before the
    /// command's write.</summary>
    /// <exception cref="GovernanceRuleException">NotFound (<c>model_version.not_found</c>) when the model is not registered.</exception>
    public async Task<Model> ModelAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Model>(ModelId, ct) ?? throw NotFound();
    }
}

/// <summary>The write path of a command on a model version that its model's owner and delegates matter to.</summary>
public static class VersionCommands
{
    /// <summary>
    /// Reads the version's model (<see cref="VersionRef.ModelAsync"/>), then decides on the version's stream with it through
    /// <see cref="LedgerWriter.DecideAsync{TState, TResult}"/>, acting in the first of <paramref name="roles"/> (given the model).
    /// </summary>
    /// <exception cref="GovernanceRuleException">NotFound when the model or version is not registered; whatever the decision
    /// refuses.</exception>
    public static async Task<Written<TResult>> DecideOnVersionAsync<TResult>(
        this LedgerWriter writer,
        IDocumentStore store,
        VersionRef target,
        CommandCall call,
        Func<Model, IReadOnlyList<string>> roles,
        Func<Model, ModelVersion, CommandContext, object> decide,
        Func<StreamWrite<ModelVersion>, TResult> result,
        CancellationToken ct
    )
        where TResult : notnull
    {
        var model = await target.ModelAsync(store, ct);
        return await writer.DecideAsync<ModelVersion, TResult>(
            target.StreamKey,
            ModelVersion.Evolve,
            call,
            roles(model),
            (state, context) => decide(model, target.Require(state), context),
            result,
            ct
        );
    }

    /// <summary>
    /// A command's answer on a version given as the version's record at the stream version written
    /// (<see cref="ModelVersionRecords.RecordAsync"/>), which is what <c>GET .../versions/{version}</c> gives with that ETag:
    /// the command decided on the bounded document, its caller gets every deployment and load. A replay is folded at the
    /// version it replays, so it answers the same.
    /// </summary>
    public static async Task<Written<ModelVersion>> AnsweredWithRecordAsync(
        this Task<Written<ModelVersion>> command,
        IDocumentStore store,
        VersionRef target,
        CancellationToken ct
    )
    {
        var written = await command;
        await using var session = store.QuerySession();
        var record = await ModelVersionRecords.RecordAsync(session, target.StreamKey, ct, written.Version);
        return written with { Result = record?.State ?? written.Result };
    }
}

/// <summary>A version's state with its stream version, which is what <c>If-Match</c> and a page's expected version carry.</summary>
public sealed record VersionState(ModelVersion State, long StreamVersion);

/// <summary>Registering and retiring model versions, and reading one version's state.</summary>
public sealed class ModelVersionRecords(IDocumentStore store, LedgerWriter writer, DatasetRegister datasets, PointInTime history)
{
    public static readonly IReadOnlyList<string> RegisterRoles = [Roles.ModelOwner];
    public static readonly IReadOnlyList<string> RetireRoles = [Roles.ModelOwner, Roles.RiskOfficer];

    /// <summary>Who may suspend a version or lift its suspension: its owner and delegates, and risk officers.</summary>
    public static readonly IReadOnlyList<string> SuspendRoles = RetireRoles;

    /// <summary>
    /// The role a caller holding both acts in on <paramref name="model"/>: as the first line (ModelOwner) on a model they own or
    /// are a delegate of, so that a suspension is recorded as the owner's action, and as a risk officer on anyone else's.
    /// </summary>
    public static IReadOnlyList<string> FirstLineOrOfficer(Model model, Caller caller) =>
        model.IsSteward(caller.SubjectId) ? [Roles.ModelOwner, Roles.RiskOfficer] : [Roles.RiskOfficer, Roles.ModelOwner];

    /// <summary>Registers a version: its artifact digest, datasets by manifest digest, metrics, code commit and hyperparameters.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; not found (model); conflict (retired model, version taken).</exception>
    public async Task<Written<ModelVersion>> RegisterAsync(RegisterModelVersion command, CommandCall call, CancellationToken ct)
    {
        Model? model;
        Domain.Datasets.Dataset? training,
            validation;
        await using (var session = store.QuerySession())
        {
            model = await session.LoadAsync<Model>(command.ModelId, ct);
            training = await datasets.ResolveAsync(session, command.TrainingDatasetDigest, ct);
            validation = await datasets.ResolveAsync(session, command.ValidationDatasetDigest, ct);
        }
        var key = ModelVersion.StreamKey(command.ModelId, command.Version ?? "");
        return await writer.DecideAsync<ModelVersion, ModelVersion>(
            key,
            ModelVersion.Evolve,
            call,
            RegisterRoles,
            (state, context) => RegisterModelVersionDecision.Decide(command, model, state, training, validation, context),
            w => w.After!,
            ct
        );
    }

    /// <summary>Retires a version: it can no longer be approved or deployed. Its owner, a delegate or a risk officer may.</summary>
    public Task<Written<ModelVersion>> RetireAsync(VersionRef target, RetireModelVersion command, CommandCall call, CancellationToken ct) =>
        AsFirstLineOrOfficerAsync(
            target,
            call,
            (model, version, context) => RetireModelVersionDecision.Decide(command, model, version, context),
            ct
        );

    /// <summary>Stops use of a version at once (<see cref="SuspensionDecisions"/>): its approvals allow nothing until lifted.</summary>
    public Task<Written<ModelVersion>> SuspendAsync(
        VersionRef target,
        SuspendModelVersion command,
        CommandCall call,
        CancellationToken ct
    ) =>
        AsFirstLineOrOfficerAsync(
            target,
            call,
            (model, version, context) => SuspensionDecisions.Decide(command, model, version, context),
            ct
        );

    /// <summary>Lifts a suspension; one a risk officer imposed only a risk officer may lift.</summary>
    public Task<Written<ModelVersion>> LiftSuspensionAsync(
        VersionRef target,
        LiftModelVersionSuspension command,
        CommandCall call,
        CancellationToken ct
    ) =>
        AsFirstLineOrOfficerAsync(
            target,
            call,
            (model, version, context) => SuspensionDecisions.Decide(command, model, version, context),
            ct
        );

    /// <summary>A first-line command that risk officers may also give (<see cref="FirstLineOrOfficer"/>), answered with the
    /// version's record after it.</summary>
    private Task<Written<ModelVersion>> AsFirstLineOrOfficerAsync(
        VersionRef target,
        CommandCall call,
        Func<Model, ModelVersion, CommandContext, object> decide,
        CancellationToken ct
    ) =>
        writer
            .DecideOnVersionAsync(store, target, call, model => FirstLineOrOfficer(model, call.Caller), decide, w => w.After!, ct)
            .AnsweredWithRecordAsync(store, target, ct);

    /// <summary>One version's record (<see cref="RecordAsync"/>) and stream version, now or as of <paramref name="point"/>, or
    /// null if it was not registered then.</summary>
    public async Task<VersionState?> GetAsync(VersionRef target, CancellationToken ct, LedgerPoint? point = null)
    {
        if (point is { Current: false })
            return await AtAsync(history, target, point, ct);
        await using var session = store.QuerySession();
        return await RecordAsync(session, target.StreamKey, ct);
    }

    /// <summary>
    /// A version's state as stored, <see cref="ModelVersion.Bounded"/> (live deployments, each host's last load), with its
    /// stream version; null if it is not registered. For answers that need no deployment or load history: one document read.
    /// </summary>
    public async Task<VersionState?> StateAsync(VersionRef target, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<ModelVersion>(target.StreamKey, ct) is not { } state)
            return null;
        var stream = await session.Events.FetchStreamStateAsync(target.StreamKey, ct);
        return new VersionState(state, stream?.Version ?? 0);
    }

    /// <summary>
    /// A version's record: its stream folded whole, so that it holds every deployment and load report (the stored document
    /// keeps only what commands decide on, <see cref="ModelVersion.Bounded"/>), with the stream's version; null if the version
    /// is not registered. Now, or at stream version <paramref name="version"/> when it is above 0. Its cost grows with the
    /// version's events.
    /// </summary>
    public static async Task<VersionState?> RecordAsync(IQuerySession session, string streamKey, CancellationToken ct, long version = 0)
    {
        var events = await session.Events.FetchStreamAsync(streamKey, version, token: ct);
        return RecordOf(events) is { } state ? new VersionState(state, events[^1].Version) : null;
    }

    /// <summary>A version's record from its events, folded whole (not bounded); null without its registration.</summary>
    public static ModelVersion? RecordOf(IEnumerable<IEvent> events) =>
        PointInTime.Fold<ModelVersion>(events, (state, e) => ModelVersion.Evolve(state, e.Data));

    /// <summary>The version's record as of <paramref name="point"/>: its stream folded up to the point, as
    /// <see cref="RecordAsync"/> folds it now, so the answer equals the one given live then.</summary>
    public static async Task<VersionState?> AtAsync(PointInTime history, VersionRef target, LedgerPoint point, CancellationToken ct)
    {
        var events = await history.EventsAsync([target.StreamKey], point.Position, ct);
        return RecordOf(events) is { } state ? new VersionState(state, events.Count) : null;
    }

    /// <summary>A model's versions, oldest first, as stored (<see cref="ModelVersion.Bounded"/>: live deployments, each host's last
    /// load).</summary>
    public async Task<IReadOnlyList<ModelVersion>> OfModelAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<ModelVersion>().Where(v => v.ModelId == modelId).OrderBy(v => v.RegisteredAt).ToListAsync(ct);
    }
}
