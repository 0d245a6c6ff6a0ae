using System.Text.Json;
using Governance.Domain.Shared;
using Governance.Ledger.Telemetry;
using JasperFx.Events;
using Marten;
using Marten.Services.BatchQuerying;

namespace Governance.Ledger.Writing;

/// <summary>
/// One command's open write: the stream's state before it, the context to decide in, the events appended so far and the
/// state after them. Nothing is stored until <see cref="CommitAsync{TAnswer}"/>; disposing without committing writes nothing.
/// </summary>
public sealed class StreamWrite<TState> : IAsyncDisposable
    where TState : class
{
    private readonly LedgerWriter _writer;
    private readonly IDocumentSession _session;
    private readonly CommandCall _call;
    private readonly IEventStream<TState>? _stream;
    private readonly Func<TState?, object, TState?> _evolve;
    private readonly IdempotentAnswer? _replay;
    private readonly List<object> _events = [];
    private readonly Dictionary<string, IHeldStream> _others = [];
    private readonly Dictionary<string, IHeldStream> _prefetched;
    private readonly List<object> _otherEvents = [];
    private readonly bool _appendOnly;

    internal StreamWrite(
        LedgerWriter writer,
        IDocumentSession session,
        CommandCall call,
        string streamKey,
        IEventStream<TState>? stream,
        CommandContext context,
        Func<TState?, object, TState?> evolve,
        IdempotentAnswer? replay,
        bool appendOnly,
        IReadOnlyList<(string StreamKey, IHeldStream Held)> prefetched
    )
    {
        _prefetched = prefetched.ToDictionary(p => p.StreamKey, p => p.Held);
        _appendOnly = appendOnly;
        _writer = writer;
        _session = session;
        _call = call;
        StreamKey = streamKey;
        _stream = stream;
        Context = context;
        _evolve = evolve;
        _replay = replay;
        Before = stream?.Aggregate;
        After = Before;
    }

    public string StreamKey { get; }

    /// <summary>Actor (acting role), time read once, correlation id.</summary>
    public CommandContext Context { get; }

    /// <summary>The stream's state before this command; null for a stream not yet started.</summary>
    public TState? Before { get; }

    /// <summary>The state after the events appended so far.</summary>
    public TState? After { get; private set; }

    /// <summary>True when an earlier identical request's answer is replayed: decide nothing, return <see
    /// cref="Replay{TResult}"/>.</summary>
    public bool IsReplay => _replay is not null;

    /// <summary>The events appended so far.</summary>
    public IReadOnlyList<object> Events => _events;

    /// <summary>The stream version after the events appended so far (not known before saving for an append-only write).</summary>
    public long Version => (_stream?.StartingVersion ?? 0) + _events.Count;

    /// <summary>Appends decided events (and follow-up facts) in order, evolving <see cref="After"/>.</summary>
    public IReadOnlyList<object> Append(params IReadOnlyList<object> events)
    {
        if (_appendOnly)
            _session.Events.Append(StreamKey, events);
        else if (IsReplay || _stream is null)
            throw new InvalidOperationException("Nothing may be appended to a replayed command or one without a stream.");
        else
            _stream.AppendMany(events);
        _events.AddRange(events);
        After = events.Aggregate(After, _evolve);
        return events;
    }

    /// <summary>
    /// Reads another stream's state for this command, in its session, and holds that stream at the version read: events later
    /// appended to it with <see cref="AppendTo"/> commit only if nothing else was written to it meanwhile (else the whole
    /// command conflicts and nothing is written). For decisions that span two consistency boundaries, such as a deployment
    /// (its version's approvals and its environment slot).
    /// </summary>
    /// <remarks>A stream read with the command's own (<see cref="OtherStream"/>, named when the write was opened) is answered
    /// as read then, without a round trip.</remarks>
    /// <typeparam name="TOther">The other stream's aggregate (an inline projection).</typeparam>
    public async Task<TOther?> FetchOtherAsync<TOther>(string streamKey, CancellationToken ct)
        where TOther : class
    {
        if (streamKey == StreamKey)
            throw new InvalidOperationException($"{streamKey} is this write's own stream.");
        var held = Held(streamKey) is HeldStream<TOther> prefetched
            ? prefetched
            : new HeldStream<TOther>(await _session.Events.FetchForWriting<TOther>(streamKey, ct));
        _others[streamKey] = held;
        return held.Aggregate;
    }

    /// <summary>The other stream held for writing under <paramref name="streamKey"/>, read when the write was opened or since;
    /// null when it was not read.</summary>
    private IHeldStream? Held(string streamKey)
    {
        if (_others.TryGetValue(streamKey, out var held))
            return held;
        if (!_prefetched.Remove(streamKey, out held))
            return null;
        _others[streamKey] = held;
        return held;
    }

    /// <summary>Appends follow-up facts to another stream in the same transaction: at the version read when it was fetched with
    /// <see cref="FetchOtherAsync{TOther}"/>, or after whatever it holds otherwise; appending to this write's own stream is
    /// <see cref="Append"/>.</summary>
    public void AppendTo(string streamKey, params IReadOnlyList<object> events)
    {
        if (streamKey == StreamKey)
            Append(events);
        else if (Held(streamKey) is { } held)
            held.AppendMany(events);
        else
            _session.Events.Append(streamKey, events);
        if (streamKey != StreamKey)
            _otherEvents.AddRange(events);
    }

    /// <summary>Stores a mutable row that must commit with this command's events or not at all (a webhook subscription's
    /// encrypted secret, which its event must not carry).</summary>
    public void StoreAlongside<TDocument>(TDocument document)
        where TDocument : notnull => _session.Store(document);

    /// <summary>Deletes a mutable row in the same transaction as this command's events.</summary>
    public void DeleteAlongside<TDocument>(string id)
        where TDocument : notnull => _session.Delete<TDocument>(id);

    /// <summary>The stored result of the identical earlier request (only when <see cref="IsReplay"/>): nothing is decided or
    /// written.</summary>
    public Written<TResult> Replay<TResult>()
    {
        if (_replay is not { } stored)
            throw new InvalidOperationException("Only a replayed command has a stored result.");
        LedgerTelemetry.Command([], "replayed");
        return Replayed<TResult>(stored);
    }

    private static Written<TResult> Replayed<TResult>(IdempotentAnswer stored) =>
        new(JsonSerializer.Deserialize<TResult>(stored.AnswerJson, LedgerJson.Options)!, stored.Version, Replayed: true);

    /// <summary>Stores the events with every same-transaction row (the command's result kept for idempotent replays) and saves,
    /// in one transaction, possibly shared with other commands on other streams (<see cref="GroupCommit"/>).</summary>
    /// <param name="result">What the command answers, computed by the feature from this write (e.g. the state after it).</param>
    /// <exception cref="GovernanceRuleException">Conflict when another writer got there first; nothing is written.</exception>
    public async Task<Written<TResult>> CommitAsync<TResult>(TResult result, CancellationToken ct)
        where TResult : notnull
    {
        if (_replay is not null || _events.Count + _otherEvents.Count == 0)
            throw new InvalidOperationException($"A command on {StreamKey} must decide events (a refusal throws) and not be a replay.");
        foreach (var row in _writer.Alongside)
            row.Stage(_session, _call, StreamKey, _events, Version, result);
        try
        {
            await _writer.Group.CommitAsync(_session, _call.CorrelationId);
        }
        catch (Exception e) when (LedgerWriter.Conflict(e) is { } conflict)
        {
            // A retry with the same idempotency key that lost the race to the first request gets the first one's answer.
            await using var query = _session.DocumentStore.QuerySession();
            var stored = await LedgerWriter.StoredAnswerAsync(query, _call, ct);
            LedgerTelemetry.Command(_events, stored is null ? "conflict" : "replayed");
            return stored is not null ? Replayed<TResult>(stored) : throw conflict;
        }
        LedgerTelemetry.Command(_events, "committed");
        LedgerTelemetry.Committed(_events);
        LedgerTelemetry.Committed(_otherEvents);
        return new Written<TResult>(result, Version, Replayed: false);
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}

/// <summary>Another stream held for writing, whatever its aggregate type.</summary>
internal interface IHeldStream
{
    void AppendMany(IReadOnlyList<object> events);
}

/// <summary>Another stream held for writing, read as <typeparamref name="TOther"/>.</summary>
internal sealed class HeldStream<TOther>(IEventStream<TOther> stream) : IHeldStream
    where TOther : class
{
    public TOther? Aggregate => stream.Aggregate;

    public void AppendMany(IReadOnlyList<object> events) => stream.AppendMany(events);
}

/// <summary>
/// A stream other than its own that a command's decision reads (a deployment's environment slot), named when the write is
/// opened (<see cref="LedgerWriter.BeginAsync{TState}(string, Func{TState, object, TState}, CommandCall, IReadOnlyList{string},
/// IReadOnlyList{OtherStream}, CancellationToken)"/>) so that it is read for writing in the same round trip as the command's own.
/// </summary>
public abstract class OtherStream
{
    private protected OtherStream(string streamKey) => StreamKey = streamKey;

    /// <summary>The stream's key.</summary>
    public string StreamKey { get; }

    /// <summary>The stream <paramref name="streamKey"/>, read as <typeparamref name="TOther"/> (an inline projection's
    /// aggregate).</summary>
    public static OtherStream Of<TOther>(string streamKey)
        where TOther : class => new Typed<TOther>(streamKey);

    /// <summary>Queues the read in <paramref name="batch"/>; the task completes once the batch has run.</summary>
    internal abstract Task<IHeldStream> Queue(IBatchedQuery batch);

    private sealed class Typed<TOther>(string streamKey) : OtherStream(streamKey)
        where TOther : class
    {
        internal override async Task<IHeldStream> Queue(IBatchedQuery batch)
        {
            var read = batch.Events.FetchForWriting<TOther>(StreamKey);
            return new HeldStream<TOther>(await read);
        }
    }
}
