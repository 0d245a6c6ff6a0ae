using Governance.Domain.Shared;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.Writing;

/// <summary>A command's result as written or replayed: the result, the stream version after the write, and whether it was
/// replayed.</summary>
public sealed record Written<TResult>(TResult Result, long Version, bool Replayed);

/// <summary>The stored answer to a command sent with an idempotency key; committed in the same transaction as its events.</summary>
public sealed record IdempotentAnswer(string Id, string Fingerprint, string AnswerJson, long Version, DateTimeOffset RecordedAt);

/// <summary>
/// Keeps the answer to a command sent with an idempotency key, in the same transaction as its events, so a retry gets the
/// same answer and writes nothing. Keys are per caller: one party's key never answers for another.
/// </summary>
public sealed class IdempotentAnswers(TimeProvider clock) : ICommitsWithEvents
{
    public void Stage(
        IDocumentSession operations,
        CommandCall call,
        string stream,
        IReadOnlyList<object> events,
        long version,
        object answer
    )
    {
        if (call.IdempotencyKey is not { } key)
            return;
        operations.Insert(
            new IdempotentAnswer(
                LedgerWriter.IdempotencyId(call.Caller, key),
                call.RequestFingerprint ?? "",
                System.Text.Json.JsonSerializer.Serialize(answer, answer.GetType(), LedgerJson.Options),
                version,
                clock.GetUtcNow()
            )
        );
    }
}

/// <summary>
/// The writer's one extension point: rows that must commit in the same transaction as a command's events (the idempotent
/// answer; the webhook outbox). Registered as services; each is asked once per committed command.
/// </summary>
public interface ICommitsWithEvents
{
    /// <param name="operations">The command's session: store documents or queue SQL here, never save; its pending changes hold
    /// every event the command appends, on any stream.</param>
    /// <param name="call">The command's call (caller, correlation id, idempotency key).</param>
    /// <param name="stream">The stream written.</param>
    /// <param name="events">The events appended.</param>
    /// <param name="version">The stream version after the append.</param>
    /// <param name="answer">The command's result, as its caller receives it.</param>
    void Stage(IDocumentSession operations, CommandCall call, string stream, IReadOnlyList<object> events, long version, object answer);
}

/// <summary>
/// The ledger's single write path (after Oskar Dudycz's <c>GetAndUpdate</c>), used in two steps by each feature:
/// <see cref="BeginAsync{TState}(string, Func{TState, object, TState}, CommandCall, IReadOnlyList{string}, CancellationToken)"/>
/// replays an idempotent answer or fetches the stream (and any other the decision reads) for writing at the expected version and
/// names the actor; the feature decides with the domain and appends, follow-up facts included; then
/// <see cref="StreamWrite{TState}.CommitAsync{TResult}"/> stages the same-transaction rows and hands them to the
/// <see cref="GroupCommit"/>, which writes them, with other commands' when several wait, in one transaction. The ledger calls
/// nothing back: each step returns to the feature, which returns its result to its caller. Marten's
/// concurrency and stream-collision exceptions become the domain's conflict (<c>concurrency.stale_version</c>).
/// </summary>
public sealed class LedgerWriter(IDocumentStore store, TimeProvider clock, IEnumerable<ICommitsWithEvents> alongside, GroupCommit group)
{
    /// <summary>Opens one command's write on <paramref name="streamKey"/> acting in the first of <paramref name="roles"/> the caller
    /// holds.</summary>
    /// <exception cref="GovernanceRuleException">Forbidden without one of the roles; Conflict when the key was used for another
    /// request.</exception>
    public Task<StreamWrite<TState>> BeginAsync<TState>(
        string streamKey,
        Func<TState?, object, TState?> evolve,
        CommandCall call,
        IReadOnlyList<string> roles,
        CancellationToken ct
    )
        where TState : class => BeginAsync(streamKey, evolve, call, roles, [], ct);

    /// <summary>
    /// Opens one command's write on <paramref name="streamKey"/>, reading in the same round trip the streams of
    /// <paramref name="others"/> that its decision also reads (a deployment: its environment slot), which
    /// <see cref="StreamWrite{TState}.FetchOtherAsync{TOther}"/> then answers without reading again.
    /// </summary>
    /// <param name="others">Other streams to read for writing, each held at the version read (see
    /// <see cref="StreamWrite{TState}.FetchOtherAsync{TOther}"/>); none may be <paramref name="streamKey"/>.</param>
    /// <exception cref="GovernanceRuleException">Forbidden without one of the roles; Conflict when the key was used for another
    /// request, or when the caller's expected version is not the stream's.</exception>
    public async Task<StreamWrite<TState>> BeginAsync<TState>(
        string streamKey,
        Func<TState?, object, TState?> evolve,
        CommandCall call,
        IReadOnlyList<string> roles,
        IReadOnlyList<OtherStream> others,
        CancellationToken ct
    )
        where TState : class
    {
        var context = new CommandContext(call.Caller.ActingIn(roles), clock.GetUtcNow(), call.CorrelationId);
        var session = store.LightweightSession();
        try
        {
            session.CorrelationId = call.CorrelationId;
            // One round trip: the stored answer, the stream, the other streams and the stored answer again. The answer is looked
            // for before and after the fetch (each statement reads what had committed when it ran), so that a retry racing the
            // first request either replays its answer or, having fetched before it committed, conflicts on commit and replays then.
            // A command without a usable identity (blank, or text no stored key can hold, such as NUL, which PostgreSQL refuses)
            // cannot address a stream: the feature's decision refuses it as invalid input, naming the field.
            var addressable = Addressable(streamKey);
            var batch = session.CreateBatchQuery();
            var answerId = call.IdempotencyKey is { } key ? IdempotencyId(call.Caller, key) : null;
            var storedBefore = answerId is null ? null : batch.Load<IdempotentAnswer>(answerId);
            var fetched =
                !addressable ? null
                : call.ExpectedVersion is { } expected ? batch.Events.FetchForWriting<TState>(streamKey, expected)
                : batch.Events.FetchForWriting<TState>(streamKey);
            if (others.Any(o => o.StreamKey == streamKey))
                throw new InvalidOperationException($"{streamKey} is this write's own stream.");
            // Another stream without a usable identity is left to the decision, which reads it, or refuses first, as before.
            var held = addressable
                ? others.Where(o => Addressable(o.StreamKey)).Select(o => (Other: o, Read: o.Queue(batch))).ToList()
                : [];
            var storedAfter = answerId is null ? null : batch.Load<IdempotentAnswer>(answerId);
            IEventStream<TState>? stream = null;
            IdempotentAnswer? before = null,
                after = null;
            GovernanceRuleException? stale = null;
            try
            {
                if (answerId is not null || addressable)
                    await batch.Execute(ct);
                before = await Answer(storedBefore);
                stream = fetched is null ? null : await fetched;
                after = await Answer(storedAfter);
            }
            catch (Exception e) when (Conflict(e) is { } conflict && answerId is not null)
            {
                // A stale expected version may only mean that this request's own first attempt committed: the answer is read
                // again by itself (the batch stopped at the stream).
                stale = conflict;
            }
            var stored = Checked(before, call) ?? (stale is null ? Checked(after, call) : await StoredAnswerAsync(session, call, ct));
            if (stored is not null)
                return new StreamWrite<TState>(this, session, call, streamKey, null, context, evolve, stored, appendOnly: false, []);
            if (stale is not null)
                throw stale;
            return new StreamWrite<TState>(
                this,
                session,
                call,
                streamKey,
                stream,
                context,
                evolve,
                null,
                appendOnly: false,
                [.. await Task.WhenAll(held.Select(async h => (h.Other.StreamKey, await h.Read)))]
            );
        }
        catch (Exception e) when (Conflict(e) is { } conflict)
        {
            await session.DisposeAsync();
            throw conflict;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        static async Task<IdempotentAnswer?> Answer(Task<IdempotentAnswer?>? read) => read is null ? null : await read;
        static bool Addressable(string key) =>
            !string.IsNullOrWhiteSpace(key) && Governance.Attestations.TextRules.Problem(key, multiline: false) is null;
    }

    /// <summary>The answer stored for this caller's idempotency key, if any (none without a key).</summary>
    /// <exception cref="GovernanceRuleException">Conflict (<c>idempotency.key_reused</c>) when the key was used for another
    /// request.</exception>
    internal static async Task<IdempotentAnswer?> StoredAnswerAsync(IQuerySession session, CommandCall call, CancellationToken ct) =>
        call.IdempotencyKey is not { } key
            ? null
            : Checked(await session.LoadAsync<IdempotentAnswer>(IdempotencyId(call.Caller, key), ct), call);

    /// <summary>A stored answer for this request, or the refusal of a key used for another request.</summary>
    private static IdempotentAnswer? Checked(IdempotentAnswer? stored, CommandCall call) =>
        stored is null || stored.Fingerprint == call.RequestFingerprint
            ? stored
            : throw new GovernanceRuleException(
                RuleKind.Conflict,
                "idempotency.key_reused",
                "This Idempotency-Key was already used for a different request; use a new key for a new request."
            );

    /// <summary>
    /// The common case of
    /// <see cref="BeginAsync{TState}(string, Func{TState, object, TState}, CommandCall, IReadOnlyList{string}, CancellationToken)"/>:
    /// one command decided by one domain function into one event, committed with a result computed from the write (usually the
    /// state after it); an idempotent retry gets the stored result. Features whose commands add follow-up facts (a sign-off's
    /// attestation) use the steps themselves.
    /// </summary>
    /// <param name="decide">The domain decision, given the state before (null for a new stream) and the context.</param>
    public async Task<Written<TResult>> DecideAsync<TState, TResult>(
        string streamKey,
        Func<TState?, object, TState?> evolve,
        CommandCall call,
        IReadOnlyList<string> roles,
        Func<TState?, CommandContext, object> decide,
        Func<StreamWrite<TState>, TResult> result,
        CancellationToken ct
    )
        where TState : class
        where TResult : notnull
    {
        await using var write = await BeginAsync(streamKey, evolve, call, roles, ct);
        if (write.IsReplay)
            return write.Replay<TResult>();
        write.Append(decide(write.Before, write.Context));
        return await write.CommitAsync(result(write), ct);
    }

    /// <summary>
    /// Opens a write that only appends to a log stream (evidence packs issued, the security log): no state is fetched and
    /// no version is expected; a racing append to the same stream still loses with a conflict.
    /// </summary>
    public StreamWrite<object> BeginAppend(string streamKey, CommandCall call, IReadOnlyList<string> roles)
    {
        var context = new CommandContext(call.Caller.ActingIn(roles), clock.GetUtcNow(), call.CorrelationId);
        var session = store.LightweightSession();
        session.CorrelationId = call.CorrelationId;
        return new StreamWrite<object>(this, session, call, streamKey, null, context, (state, _) => state, null, appendOnly: true, []);
    }

    /// <summary>How many times <see cref="RetryOnConflictAsync{TResult}"/> tries a command before answering the conflict.</summary>
    public const int ConflictAttempts = 10;

    /// <summary>
    /// Runs a command again, from a fresh read, when another writer got to one of its streams first, so that concurrent
    /// reports (two pipelines deploying at once) are all recorded instead of one being lost to a conflict. Only when the
    /// caller stated no expected version: a stale <c>If-Match</c> is the caller's conflict to see. Commands of this process
    /// that name the same streams take turns on them (<see cref="StreamTurns"/>), so they do not race each other.
    /// </summary>
    /// <param name="streamKeys">The streams the command writes that concurrent commands write too (a deployment: its version
    /// and its slot).</param>
    /// <exception cref="GovernanceRuleException">The conflict after <see cref="ConflictAttempts"/> attempts; whatever the command
    /// refuses.</exception>
    /// <exception cref="OperationCanceledException">The caller gave up while waiting for its turn.</exception>
    public async Task<TResult> RetryOnConflictAsync<TResult>(
        IReadOnlyList<string> streamKeys,
        CommandCall call,
        Func<Task<TResult>> attempt,
        CancellationToken ct
    )
    {
        for (var n = 1; ; n++)
        {
            try
            {
                using (await _turns.TakeAsync(streamKeys, ct))
                    return await attempt();
            }
            catch (GovernanceRuleException e) when (e.Code == StaleVersion && call.ExpectedVersion is null && n < ConflictAttempts) { }
        }
    }

    private readonly StreamTurns _turns = new();

    /// <summary>The refusal code of a write that lost a race.</summary>
    public const string StaleVersion = "concurrency.stale_version";

    internal IEnumerable<ICommitsWithEvents> Alongside => alongside;

    internal GroupCommit Group => group;

    internal static string IdempotencyId(Caller caller, string key) => $"{caller.SubjectId}|{key}";

    /// <summary>Marten's ways of saying "someone else wrote first", and PostgreSQL's deadlock (40P01) and serialization
    /// failure (40001), raised or wrapped by Marten, which roll the transaction back for the same reason, as the domain's
    /// conflict; null for anything else.</summary>
    internal static GovernanceRuleException? Conflict(Exception e) =>
        e
            is JasperFx.ConcurrencyException
                or Marten.Exceptions.ExistingStreamIdCollisionException
                or JasperFx.Events.ExistingStreamIdCollisionException
                or JasperFx.DocumentAlreadyExistsException
                or Npgsql.PostgresException { SqlState: "40P01" or "40001" }
        || e.InnerException is Npgsql.PostgresException { SqlState: "40P01" or "40001" }
            ? new GovernanceRuleException(
                RuleKind.Conflict,
                StaleVersion,
                "Another change was written to this record first, so nothing was written. Read it again (its ETag is its version) "
                    + "and retry with the new version in If-Match."
            )
            : null;
}
