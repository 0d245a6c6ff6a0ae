using System.Text.Json;
using Governance.Documents.EvidencePacks;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using Governance.Ledger.Sequencing;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.AuditTrail;

/// <summary>One event of the trail as an auditor reads it: where it sits, who did what, when, why, and the full payload with its
/// digest.</summary>
public sealed record AuditTrailEntry(
    long Sequence,
    string Stream,
    long StreamVersion,
    string EventType,
    DateTimeOffset RecordedAt,
    string? CorrelationId,
    Actor Actor,
    DateTimeOffset At,
    string Reason,
    string PayloadDigest,
    object Payload
)
{
    /// <summary>The line an evidence pack prints for this event, naming the actor as the directory does now.</summary>
    public TrailEntry ForPack(PeopleNames names) =>
        new(Sequence, StreamVersion, At, names.Of(Actor), Actor.Role, EventType, Reason, PayloadDigest);
}

/// <summary>A page of a model's trail; <paramref name="NextAfter"/> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record AuditTrailPage(string ModelId, IReadOnlyList<AuditTrailEntry> Events, long? NextAfter);

/// <summary>The event trail, once, for the audit-trail API, the UI's timeline and the evidence packs; read on the read replica
/// when one is configured (<see cref="ReplicaReads"/>).</summary>
public sealed class EventTrail(ReplicaReads replicas, SafePosition safePosition)
{
    public const int MaxPageSize = 500;

    /// <summary>SHA-256 of an event's JSON in <see cref="LedgerJson.Options"/>; evidence packs print the same digest for each
    /// event.</summary>
    public static string PayloadDigest(object data) =>
        Digest.OfBytes(JsonSerializer.SerializeToUtf8Bytes(data, data.GetType(), LedgerJson.Options));

    /// <summary>Every event of a model and its versions in ledger order, after sequence <paramref name="after"/>, at most <paramref
    /// name="limit"/>, and only up to the <see cref="SafePosition"/>: a page never holds an event that a transaction still in
    /// flight could precede, so paging on <c>after</c> skips nothing.</summary>
    /// <exception cref="GovernanceRuleException">Invalid paging values; model not found.</exception>
    public async Task<AuditTrailPage> ModelTrailAsync(string modelId, long? after, int? limit, CancellationToken ct)
    {
        var check = new InputCheck();
        if (after is < 0)
            check.Fail("after", "must be a sequence number of 0 or more");
        if (limit is < 1 or > MaxPageSize)
            check.Fail("limit", $"must be between 1 and {MaxPageSize}");
        check.ThrowIfAny();
        // The safe position first, on the primary: a session opened after it sees every event at or below it.
        var upTo = await safePosition.ReadAsync(ct);
        await using var session = await replicas.OpenAsync(ct);
        if (await session.LoadAsync<Model>(modelId, ct) is null)
            throw GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.");

        var size = limit ?? 100;
        var events = await ModelEvents(session, modelId, after ?? 0).Where(e => e.Sequence <= upTo).Take(size + 1).ToListAsync(ct);
        var page = events.Take(size).Select(Entry).ToArray();
        return new AuditTrailPage(modelId, page, events.Count > size ? page[^1].Sequence : null);
    }

    /// <summary>Every event of a model and its versions, in ledger order (the UI's timeline).</summary>
    public async Task<IReadOnlyList<AuditTrailEntry>> ModelTimelineAsync(string modelId, CancellationToken ct)
    {
        await using var session = await replicas.OpenAsync(ct);
        return (await ModelEvents(session, modelId, 0).ToListAsync(ct)).Select(Entry).ToArray();
    }

    /// <summary>Every event of one stream in order (a version's trail, as its evidence packs print it).</summary>
    public static async Task<IReadOnlyList<AuditTrailEntry>> StreamTrailAsync(
        IQuerySession session,
        string streamKey,
        CancellationToken ct
    ) => (await session.Events.FetchStreamAsync(streamKey, token: ct)).Select(Entry).ToArray();

    private static IQueryable<IEvent> ModelEvents(IQuerySession session, string modelId, long after)
    {
        var versionStreams = modelId + "@";
        // The model's technical file (documentation and risks) is part of its trail too.
        var technicalFile = Domain.TechnicalDocumentation.TechnicalFile.StreamKey(modelId);
        return session
            .Events.QueryAllRawEvents()
            .Where(e =>
                (e.StreamKey == modelId || e.StreamKey == technicalFile || e.StreamKey!.StartsWith(versionStreams)) && e.Sequence > after
            )
            .OrderBy(e => e.Sequence);
    }

    /// <summary>The trail line of one stored event.</summary>
    internal static AuditTrailEntry Entry(IEvent e)
    {
        var audit = ((ILedgerEvent)e.Data).Audit;
        return new AuditTrailEntry(
            e.Sequence,
            e.StreamKey!,
            e.Version,
            e.EventTypeName,
            e.Timestamp,
            e.CorrelationId,
            audit.Actor,
            audit.At,
            audit.Reason,
            PayloadDigest(e.Data),
            e.Data
        );
    }
}
