using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.SecurityLog;

/// <summary>One security-log event as Admin and Auditor read it.</summary>
public sealed record SecurityLogEntry(
    long Sequence,
    string Stream,
    string EventType,
    DateTimeOffset RecordedAt,
    string Subject,
    Actor Actor,
    string Reason,
    object Payload
);

/// <summary>A page of the security log; <paramref name="NextAfter"/> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record SecurityLogPage(IReadOnlyList<SecurityLogEntry> Events, long? NextAfter);

/// <summary>
/// The security log (sign-ins, failures, client tokens, user and role changes, client secrets) as ledger events, one
/// stream per subject, written through the ledger's writer like every other fact.
/// </summary>
public sealed class SecurityLogBook(IDocumentStore store, LedgerWriter writer, SafePosition safePosition)
{
    public const int MaxPageSize = 500;

    /// <summary>Appends one security event as its own actor; a concurrent append to the same subject's stream is retried.</summary>
    public async Task RecordAsync(ISecurityEvent @event, CancellationToken ct)
    {
        var actor = @event.Audit.Actor;
        var call = new CommandCall(new Caller(actor.SubjectId, [actor.Role], actor.ClientId), @event.Audit.CorrelationId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var write = writer.BeginAppend(Domain.Security.SecurityLog.StreamKey(@event.Subject), call, [actor.Role]);
                write.Append(@event);
                await write.CommitAsync(@event.Subject, ct);
                return;
            }
            catch (GovernanceRuleException conflict) when (conflict.Code == "concurrency.stale_version" && attempt < 5)
            {
                await Task.Delay(10 * attempt, ct);
            }
        }
    }

    /// <summary>The security log in ledger order, after sequence <paramref name="after"/>, at most <paramref name="limit"/> (default
    /// 100), up to the <see cref="SafePosition"/> so that paging skips nothing.</summary>
    /// <exception cref="GovernanceRuleException">Invalid paging values.</exception>
    public async Task<SecurityLogPage> PageAsync(long? after, int? limit, CancellationToken ct)
    {
        var check = new InputCheck();
        if (after is < 0)
            check.Fail("after", "must be a sequence number of 0 or more");
        if (limit is < 1 or > MaxPageSize)
            check.Fail("limit", $"must be between 1 and {MaxPageSize}");
        check.ThrowIfAny();
        var size = limit ?? 100;
        var from = after ?? 0;
        var upTo = await safePosition.ReadAsync(ct);
        await using var session = store.QuerySession();
        var events = await session
            .Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.StartsWith("security:") && e.Sequence > from && e.Sequence <= upTo)
            .OrderBy(e => e.Sequence)
            .Take(size + 1)
            .ToListAsync(ct);
        var page = events.Take(size).Select(Entry).ToArray();
        return new SecurityLogPage(page, events.Count > size ? page[^1].Sequence : null);
    }

    /// <summary>The security log newest first, before sequence <paramref name="before"/> (null: from the newest), at most
    /// <paramref name="limit"/> (default 100), only the event types named in <paramref name="eventTypes"/> (Marten's snake-case
    /// names such as <c>sign_in_failed</c>; null or empty: all): the administrator's screen. <see cref="SecurityLogPage.NextAfter"/>
    /// is then the <paramref name="before"/> of the next (older) page.</summary>
    /// <exception cref="GovernanceRuleException">Invalid paging values.</exception>
    public async Task<SecurityLogPage> RecentAsync(long? before, int? limit, IReadOnlyCollection<string>? eventTypes, CancellationToken ct)
    {
        var check = new InputCheck();
        if (before is < 1)
            check.Fail("before", "must be a sequence number of 1 or more");
        if (limit is < 1 or > MaxPageSize)
            check.Fail("limit", $"must be between 1 and {MaxPageSize}");
        check.ThrowIfAny();
        var size = limit ?? 100;
        var upTo = Math.Min(await safePosition.ReadAsync(ct), (before ?? long.MaxValue) - 1);
        var types = eventTypes is { Count: > 0 } ? eventTypes.ToArray() : null;
        await using var session = store.QuerySession();
        var query = session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.StartsWith("security:") && e.Sequence <= upTo);
        if (types is not null)
            query = query.Where(e => types.Contains(e.EventTypeName));
        var events = await query.OrderByDescending(e => e.Sequence).Take(size + 1).ToListAsync(ct);
        var page = events.Take(size).Select(Entry).ToArray();
        return new SecurityLogPage(page, events.Count > size ? page[^1].Sequence : null);
    }

    private static SecurityLogEntry Entry(JasperFx.Events.IEvent e)
    {
        var security = (ISecurityEvent)e.Data;
        return new SecurityLogEntry(
            e.Sequence,
            e.StreamKey!,
            e.EventTypeName,
            e.Timestamp,
            security.Subject,
            security.Audit.Actor,
            security.Audit.Reason,
            e.Data
        );
    }
}
