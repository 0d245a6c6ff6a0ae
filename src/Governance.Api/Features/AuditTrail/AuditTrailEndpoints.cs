using System.Text.Json;
using Governance.Api.Hosting;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Governance.Api.Features.AuditTrail;

/// <summary>One event of the trail as an auditor reads it: where it sits, who did what, when, why, and the full payload with its digest.</summary>
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
);

public sealed record AuditTrailPage(string ModelId, IReadOnlyList<AuditTrailEntry> Events, long? NextAfter);

public static class AuditTrailEndpoints
{
    public const int MaxPageSize = 500;

    /// <summary>SHA-256 of an event's JSON as this API serves it; evidence packs print the same digest for each event.</summary>
    public static string PayloadDigest(object data, JsonSerializerOptions options) =>
        Digest.OfBytes(JsonSerializer.SerializeToUtf8Bytes(data, data.GetType(), options));

    public static RouteGroupBuilder MapAuditTrail(this RouteGroupBuilder api)
    {
        api.MapGet(
                "/models/{modelId}/audit-trail",
                async (string modelId, long? after, int? limit, IQuerySession session, IOptions<JsonOptions> json, CancellationToken ct) =>
                {
                    var check = new InputCheck();
                    if (after is < 0)
                        check.Fail("after", "must be a sequence number of 0 or more");
                    if (limit is < 1 or > MaxPageSize)
                        check.Fail("limit", $"must be between 1 and {MaxPageSize}");
                    check.ThrowIfAny();
                    if (await session.LoadAsync<Model>(modelId, ct) is null)
                        throw GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.");

                    var from = after ?? 0;
                    var size = limit ?? 100;
                    var versionStreams = modelId + "@";
                    var events = await session
                        .Events.QueryAllRawEvents()
                        .Where(e => (e.StreamKey == modelId || e.StreamKey!.StartsWith(versionStreams)) && e.Sequence > from)
                        .OrderBy(e => e.Sequence)
                        .Take(size + 1)
                        .ToListAsync(ct);

                    var page = events
                        .Take(size)
                        .Select(e =>
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
                                PayloadDigest(e.Data, json.Value.SerializerOptions),
                                e.Data
                            );
                        })
                        .ToArray();
                    return Results.Ok(new AuditTrailPage(modelId, page, events.Count > size ? page[^1].Sequence : null));
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithTags("Audit trail")
            .WithName("GetAuditTrail")
            .WithSummary(
                "Every event of a model and its versions, in ledger order, with actor, time, reason and payload; page with after=nextAfter."
            );
        return api;
    }
}
