using Governance.Domain.Approvals;
using Governance.Ledger.Sequencing;
using Marten;
using Marten.Events;

namespace Governance.Ledger.Approvals;

/// <summary>The approval lookup rebuilt from the events up to <paramref name="UpToSeq"/>, beside the stored documents.</summary>
/// <param name="UpToSeq">The last sequence number folded: every event at or below it is committed.</param>
/// <param name="Rebuild">The approvals as the events make them.</param>
/// <param name="Stored">The stored read-model documents (<c>mt_doc_approval</c>).</param>
/// <param name="Unsettled">Approvals changed by events after <paramref name="UpToSeq"/>: their stored documents may already show
/// those events, so they are left out of a comparison until the next round.</param>
public sealed record ApprovalLookupSnapshot(
    long UpToSeq,
    ApprovalLookupRebuild Rebuild,
    IReadOnlyList<Approval> Stored,
    IReadOnlySet<string> Unsettled
)
{
    /// <summary>Every stored document that differs from the events (<see cref="ApprovalLookupRebuild.Compare"/>).</summary>
    public IReadOnlyList<ApprovalLookupDifference> Differences() => Rebuild.Compare(Stored, Unsettled);
}

/// <summary>
/// Replays the approval events (<see cref="ApprovalLookupRebuild.EventTypes"/>, read through Marten so upcasters apply) into
/// the approval lookup, without trusting <c>mt_doc_approval</c>: what the reconciliation job compares with the stored documents
/// and what the signed status list is issued from.
/// </summary>
public sealed class ApprovalLookupReplay(IDocumentStore store, SafePosition safePosition)
{
    private static readonly Type[] EventTypes = [.. ApprovalLookupRebuild.EventTypes];

    /// <summary>
    /// Rebuilds the approvals from every event up to <paramref name="upTo"/> (default: the ledger's <see cref="SafePosition"/>)
    /// and reads the stored documents. Read in this order, so that without a shared snapshot the comparison is still exact: the
    /// bound, then the documents, then the events (an approval whose document shows an event after the bound is unsettled).
    /// </summary>
    /// <param name="upTo">At most this sequence number (e.g. the transparency log's last sealed event); capped at the safe
    /// position.</param>
    public async Task<ApprovalLookupSnapshot> ReadAsync(long? upTo, CancellationToken ct)
    {
        var safe = await safePosition.ReadAsync(ct);
        var bound = Math.Min(safe, upTo ?? safe);
        await using var session = store.QuerySession();
        var stored = await session.Query<Approval>().ToListAsync(ct);
        var (rebuild, unsettled) = await FoldAsync(session, bound, ct);
        return new ApprovalLookupSnapshot(bound, rebuild, stored, unsettled);
    }

    /// <summary>The approvals as every committed event up to the safe position makes them, by id (the read model unread).</summary>
    public async Task<IReadOnlyDictionary<string, Approval>> ApprovalsAsync(CancellationToken ct)
    {
        var safe = await safePosition.ReadAsync(ct);
        await using var session = store.QuerySession();
        return (await FoldAsync(session, safe, ct)).Rebuild.Approvals;
    }

    private static async Task<(ApprovalLookupRebuild Rebuild, IReadOnlySet<string> Unsettled)> FoldAsync(
        IQuerySession session,
        long bound,
        CancellationToken ct
    )
    {
        var events = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(EventTypes))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        var rebuild = new ApprovalLookupRebuild();
        var unsettled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
            if (e.Sequence <= bound)
                rebuild.Apply(e.Data);
            else
                unsettled.UnionWith(ApprovalLookupRebuild.ApprovalIdsOf(e.Data));
        return (rebuild, unsettled);
    }
}
