using Governance.Domain.Approvals;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Notifications;
using Governance.Ledger.Validation;
using Marten;

namespace Governance.Ledger.Notifications;

/// <summary>
/// Where a kind of notification comes from: the ledger's state read now, turned into notifications by
/// <see cref="NotificationRules"/>. Every registered source is asked for every person's inbox and e-mail, so a new kind
/// is one more source registered as a service, nothing else.
/// </summary>
public interface INotificationSource
{
    Task<IReadOnlyList<Notification>> ForAsync(Recipient person, DateTimeOffset now, CancellationToken ct);
}

/// <summary>Approvals awaiting a decision, versions awaiting validation, and approvals expiring within 30 days.</summary>
public sealed class ApprovalNotifications(IDocumentStore store) : INotificationSource
{
    public async Task<IReadOnlyList<Notification>> ForAsync(Recipient person, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var versions = await session.Query<ModelVersion>().Where(v => v.RetiredAt == null).ToListAsync(ct);
        var models = (await session.Query<Model>().ToListAsync(ct)).ToDictionary(m => m.Id);
        var pairs = versions.Where(v => models.ContainsKey(v.ModelId)).Select(v => (models[v.ModelId], v)).ToArray();
        return [.. NotificationRules.Reviews(person, pairs), .. NotificationRules.Expiring(person, pairs, now)];
    }
}

/// <summary>Monitoring breaches of granted approvals: open breach reviews and standing warnings
/// (<see cref="NotificationRules.Breaches"/>). Reads only the approvals that carry a breach, then their versions and models.</summary>
public sealed class BreachNotifications(IDocumentStore store) : INotificationSource
{
    public async Task<IReadOnlyList<Notification>> ForAsync(Recipient person, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var breached = (await session.Query<Approval>().Where(a => a.Status == ApprovalStatus.Approved).ToListAsync(ct))
            .Where(a => a.Breaches.Count > 0)
            .ToArray();
        if (breached.Length == 0)
            return [];
        var models = (await session.LoadManyAsync<Model>(ct, breached.Select(a => a.ModelId).Distinct().ToArray())).ToDictionary(m => m.Id);
        var versions = await session.LoadManyAsync<ModelVersion>(
            ct,
            breached.Select(a => ModelVersion.StreamKey(a.ModelId, a.Version)).Distinct().ToArray()
        );
        var pairs = versions.Where(v => models.ContainsKey(v.ModelId)).Select(v => (models[v.ModelId], v)).ToArray();
        return [.. NotificationRules.Breaches(person, pairs, now)];
    }
}

/// <summary>Findings due soon or overdue (<see cref="FindingRecords.OpenAsync"/>).</summary>
public sealed class FindingNotifications(FindingRecords findings) : INotificationSource
{
    public async Task<IReadOnlyList<Notification>> ForAsync(Recipient person, DateTimeOffset now, CancellationToken ct) =>
        [.. NotificationRules.FindingsDue(person, await findings.OpenAsync(ct), now)];
}

/// <summary>Comments that mention the person (<see cref="NotificationRules.Mentions"/>): reads only the discussions with a
/// comment naming them.</summary>
public sealed class MentionNotifications(IDocumentStore store) : INotificationSource
{
    public async Task<IReadOnlyList<Notification>> ForAsync(Recipient person, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var subject = person.SubjectId;
        var discussions = await session
            .Query<ApprovalDiscussion>()
            .Where(d => d.Comments.Any(c => c.Mentions.Contains(subject)))
            .ToListAsync(ct);
        return [.. NotificationRules.Mentions(person, discussions, now)];
    }
}

/// <summary>Which notifications a person has read (by <see cref="Notification.Id"/>): per-person screen state, not evidence,
/// so a document rather than a ledger event.</summary>
public sealed record NotificationReadState(string Id, IReadOnlyList<string> Read);

/// <summary>Which kinds a person also receives by e-mail. Without a stored choice, every kind.</summary>
public sealed record NotificationPreferences(string Id, IReadOnlyList<NotificationKind> EmailKinds);

/// <summary>The notifications already e-mailed to a person, so each goes once.</summary>
public sealed record NotificationMailLog(string Id, IReadOnlyList<string> Mailed);

/// <summary>One notification in a person's inbox, and whether they have read it.</summary>
public sealed record InboxItem(Notification Notification, bool Read);

/// <summary>A person's notifications, newest first, and how many are unread.</summary>
public sealed record Inbox(IReadOnlyList<InboxItem> Items)
{
    public int Unread => Items.Count(i => !i.Read);
}

/// <summary>
/// Notifications: each person's inbox from every <see cref="INotificationSource"/> at the injected clock's now, their read
/// state, their choice of kinds by e-mail, and which were e-mailed. Read and mail state are kept only for notifications that
/// still stand, so they stay small.
/// </summary>
public sealed class NotificationCenter(IEnumerable<INotificationSource> sources, IDocumentStore store, TimeProvider clock)
{
    /// <summary>What stands for <paramref name="person"/> now, newest first.</summary>
    public async Task<IReadOnlyList<Notification>> CurrentAsync(Recipient person, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var all = new List<Notification>();
        foreach (var source in sources)
            all.AddRange(await source.ForAsync(person, now, ct));
        return all.DistinctBy(n => n.Id).OrderByDescending(n => n.At).ThenBy(n => n.Id, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The person's inbox with read marks.</summary>
    public async Task<Inbox> InboxAsync(Recipient person, CancellationToken ct)
    {
        var current = await CurrentAsync(person, ct);
        await using var session = store.QuerySession();
        var read = (await session.LoadAsync<NotificationReadState>(person.SubjectId, ct))?.Read.ToHashSet() ?? [];
        return new Inbox(current.Select(n => new InboxItem(n, read.Contains(n.Id))).ToArray());
    }

    /// <summary>Marks <paramref name="ids"/> read (all current ones when null) for <paramref name="person"/>.</summary>
    public async Task MarkReadAsync(Recipient person, IReadOnlyCollection<string>? ids, CancellationToken ct)
    {
        var current = (await CurrentAsync(person, ct)).Select(n => n.Id).ToHashSet();
        await using var session = store.LightweightSession();
        var read = (await session.LoadAsync<NotificationReadState>(person.SubjectId, ct))?.Read ?? [];
        var kept = read.Concat(ids ?? current).Where(current.Contains).Distinct().Order(StringComparer.Ordinal).ToArray();
        session.Store(new NotificationReadState(person.SubjectId, kept));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The kinds <paramref name="subjectId"/> receives by e-mail.</summary>
    public async Task<IReadOnlyList<NotificationKind>> EmailKindsAsync(string subjectId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<NotificationPreferences>(subjectId, ct))?.EmailKinds ?? Enum.GetValues<NotificationKind>();
    }

    /// <summary>Sets the kinds <paramref name="subjectId"/> receives by e-mail (none: e-mail off).</summary>
    public async Task SetEmailKindsAsync(string subjectId, IReadOnlyCollection<NotificationKind> kinds, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(new NotificationPreferences(subjectId, kinds.Distinct().Order().ToArray()));
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The notifications to e-mail <paramref name="person"/> now: of a kind they chose, not e-mailed before.</summary>
    public async Task<IReadOnlyList<Notification>> UnmailedAsync(Recipient person, CancellationToken ct)
    {
        var kinds = (await EmailKindsAsync(person.SubjectId, ct)).ToHashSet();
        if (kinds.Count == 0)
            return [];
        var current = await CurrentAsync(person, ct);
        await using var session = store.QuerySession();
        var mailed = (await session.LoadAsync<NotificationMailLog>(person.SubjectId, ct))?.Mailed.ToHashSet() ?? [];
        return current.Where(n => kinds.Contains(n.Kind) && !mailed.Contains(n.Id)).ToArray();
    }

    /// <summary>Records that <paramref name="ids"/> were e-mailed to <paramref name="person"/>, forgetting those no longer
    /// current.</summary>
    public async Task MarkMailedAsync(Recipient person, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var current = (await CurrentAsync(person, ct)).Select(n => n.Id).ToHashSet();
        await using var session = store.LightweightSession();
        var mailed = (await session.LoadAsync<NotificationMailLog>(person.SubjectId, ct))?.Mailed ?? [];
        session.Store(
            new NotificationMailLog(
                person.SubjectId,
                mailed.Concat(ids).Where(current.Contains).Distinct().Order(StringComparer.Ordinal).ToArray()
            )
        );
        await session.SaveChangesAsync(ct);
    }
}
