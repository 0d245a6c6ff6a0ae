using Governance.Api.Hosting;
using Governance.Attestations.Transparency;
using Governance.Domain.Shared;
using Governance.Ledger.Transparency;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.TransparencyLog;

/// <summary>The latest signed checkpoint: the C2SP signed note and what it commits to (root hash in base64).</summary>
public sealed record CheckpointResponse(string Origin, long TreeSize, string RootHash, DateTimeOffset SignedAt, string Note);

/// <summary>The log's state: events sealed, the latest checkpoint, and the sealer's alarm when it stopped.</summary>
public sealed record TransparencyLogStatusResponse(
    long TreeSize,
    long LastSealedSeq,
    long? CheckpointTreeSize,
    DateTimeOffset? CheckpointSignedAt,
    string? Alarm
);

/// <summary>An inclusion proof (RFC 9162 §2.1.3): hashes in base64, leaf side first.</summary>
public sealed record InclusionResponse(long Seq, long LeafIndex, long TreeSize, string LeafHash, IReadOnlyList<string> Proof);

/// <summary>The inclusion proofs of every event of a stream, in stream order, in one tree.</summary>
public sealed record StreamInclusionResponse(string StreamId, long TreeSize, IReadOnlyList<InclusionResponse> Events);

/// <summary>A consistency proof (RFC 9162 §2.1.4) with both roots, in base64.</summary>
public sealed record ConsistencyResponse(long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Proof);

/// <summary>An event as stored, for an auditor recomputing its leaf: <c>data</c> is the stored jsonb text, <c>timestamp</c> as the
/// leaf writes it.</summary>
public sealed record AuditedEventResponse(
    long Seq,
    Guid Id,
    string Stream,
    long Version,
    string Type,
    string Timestamp,
    string? CorrelationId,
    string Data,
    bool Archived,
    string DotnetType,
    long StreamVersion
);

/// <summary>A sealed leaf (hash in base64).</summary>
public sealed record SealedLeafResponse(long Index, long Seq, string Hash);

/// <summary>An auditor's page: events after <c>afterSeq</c> and sealed leaves from <c>fromLeaf</c>.</summary>
public sealed record AuditPageResponse(IReadOnlyList<AuditedEventResponse> Events, IReadOnlyList<SealedLeafResponse> Leaves);

/// <summary>The tamper-evident ledger over HTTP: checkpoints, inclusion and consistency proofs, and the rows an auditor re-reads.</summary>
public static class TransparencyLogEndpoints
{
    private static readonly string[] Readers = [Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin];

    public static RouteGroupBuilder MapTransparencyLog(this RouteGroupBuilder api)
    {
        var log = api.MapGroup("/transparency-log").WithTags("Transparency log");
        log.MapGet("/checkpoint", GetLatestCheckpoint)
            .AllowRoles(Readers)
            .WithName(nameof(GetLatestCheckpoint))
            .WithSummary("The latest signed checkpoint (C2SP tlog-checkpoint signed note, Ed25519); 404 before the first.");
        log.MapGet("/status", GetTransparencyLogStatus)
            .AllowRoles(Readers)
            .WithName(nameof(GetTransparencyLogStatus))
            .WithSummary("Events sealed, the latest checkpoint, and the sealer's alarm if it stopped on an inconsistency.");
        log.MapPost("/checkpoint-requests", RequestCheckpoint)
            .AllowRoles(Roles.Auditor, Roles.Admin)
            .WithName(nameof(RequestCheckpoint))
            .WithSummary("Asks the sealer for a checkpoint at its next round, before its interval.");
        log.MapGet("/events/{seq}/inclusion", GetEventInclusion)
            .AllowRoles(Readers)
            .WithName(nameof(GetEventInclusion))
            .WithSummary(
                "Inclusion proof of the event with this sequence number in the tree of treeSize events (default: latest checkpoint)."
            );
        log.MapGet("/streams/{streamId}/inclusion", GetStreamInclusion)
            .AllowRoles(Readers)
            .WithName(nameof(GetStreamInclusion))
            .WithSummary("Inclusion proofs of every event of a stream (e.g. a model version, 'model@version') in one tree.");
        log.MapGet("/consistency", GetConsistency)
            .AllowRoles(Readers)
            .WithName(nameof(GetConsistency))
            .WithSummary("Consistency proof from the tree of 'from' events to the tree of 'to' (default: latest checkpoint).");
        log.MapGet("/audit", GetAuditPage)
            .AllowRoles(Roles.Auditor, Roles.Admin)
            .WithName(nameof(GetAuditPage))
            .WithSummary("Events as stored after afterSeq and sealed leaves from fromLeaf, for `governance ledger verify`.");
        return api;
    }

    private static async Task<Ok<CheckpointResponse>> GetLatestCheckpoint(Ledger.Transparency.TransparencyLog log, CancellationToken ct) =>
        await log.LatestCheckpointAsync(ct) is { } c
            ? TypedResults.Ok(new CheckpointResponse(c.Origin, c.Size, Convert.ToBase64String(c.RootHash), c.SignedAt, c.Note))
            : throw GovernanceRuleException.NotFound("transparency_log.no_checkpoint", "the log has signed no checkpoint yet");

    private static async Task<Ok<TransparencyLogStatusResponse>> GetTransparencyLogStatus(
        Ledger.Transparency.TransparencyLog log,
        CancellationToken ct
    )
    {
        var s = await log.StateAsync(ct);
        return TypedResults.Ok(new TransparencyLogStatusResponse(s.Size, s.LastSeq, s.CheckpointSize, s.CheckpointAt, s.Alarm));
    }

    private static async Task<Accepted> RequestCheckpoint(Ledger.Transparency.TransparencyLog log, CancellationToken ct)
    {
        await log.RequestCheckpointAsync(ct);
        return TypedResults.Accepted("/api/v1/transparency-log/checkpoint");
    }

    private static async Task<Ok<InclusionResponse>> GetEventInclusion(
        long seq,
        long? treeSize,
        Ledger.Transparency.TransparencyLog log,
        CancellationToken ct
    ) => TypedResults.Ok(Inclusion(await log.InclusionAsync(seq, treeSize, ct)));

    private static async Task<Ok<StreamInclusionResponse>> GetStreamInclusion(
        string streamId,
        long? treeSize,
        Ledger.Transparency.TransparencyLog log,
        CancellationToken ct
    )
    {
        var proofs = await log.StreamInclusionAsync(streamId, treeSize, ct);
        return TypedResults.Ok(new StreamInclusionResponse(streamId, proofs[0].TreeSize, proofs.Select(Inclusion).ToArray()));
    }

    private static async Task<Ok<ConsistencyResponse>> GetConsistency(
        long from,
        long? to,
        Ledger.Transparency.TransparencyLog log,
        CancellationToken ct
    )
    {
        var p = await log.ConsistencyAsync(from, to, ct);
        return TypedResults.Ok(
            new ConsistencyResponse(
                p.FromSize,
                p.ToSize,
                Convert.ToBase64String(p.FromRoot),
                Convert.ToBase64String(p.ToRoot),
                p.Proof.Select(Convert.ToBase64String).ToArray()
            )
        );
    }

    private static async Task<Ok<AuditPageResponse>> GetAuditPage(
        long? afterSeq,
        long? fromLeaf,
        int? limit,
        Ledger.Transparency.TransparencyLog log,
        CancellationToken ct
    )
    {
        var (events, leaves) = await log.AuditPageAsync(afterSeq ?? 0, fromLeaf ?? 0, limit ?? 1000, ct);
        return TypedResults.Ok(
            new AuditPageResponse(
                events
                    .Select(e => new AuditedEventResponse(
                        e.Entry.Seq,
                        e.Entry.Id,
                        e.Entry.Stream,
                        e.Entry.Version,
                        e.Entry.Type,
                        LedgerEntry.FormatTimestamp(e.Entry.Timestamp),
                        e.Entry.CorrelationId,
                        e.Entry.Data,
                        e.Archived,
                        e.DotnetType,
                        e.StreamVersion
                    ))
                    .ToArray(),
                leaves.Select(l => new SealedLeafResponse(l.Index, l.Seq, Convert.ToBase64String(l.Hash))).ToArray()
            )
        );
    }

    private static InclusionResponse Inclusion(InclusionProof p) =>
        new(p.Seq, p.LeafIndex, p.TreeSize, Convert.ToBase64String(p.LeafHash), p.Proof.Select(Convert.ToBase64String).ToArray());
}
