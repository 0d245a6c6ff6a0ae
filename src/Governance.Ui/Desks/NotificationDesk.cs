using System.Security.Claims;
using Governance.Domain.Notifications;
using Governance.Ledger.Notifications;

namespace Governance.Ui.Desks;

/// <summary>The signed-in person's notifications (the bell and its page) and their choice of kinds by e-mail.</summary>
public interface INotificationDesk
{
    Task<Inbox> InboxAsync(ClaimsPrincipal person, CancellationToken ct);

    /// <summary>Marks the notifications read; all current ones when <paramref name="ids"/> is null.</summary>
    Task MarkReadAsync(ClaimsPrincipal person, IReadOnlyCollection<string>? ids, CancellationToken ct);

    Task<IReadOnlyList<NotificationKind>> EmailKindsAsync(ClaimsPrincipal person, CancellationToken ct);
    Task SetEmailKindsAsync(ClaimsPrincipal person, IReadOnlyCollection<NotificationKind> kinds, CancellationToken ct);
}

internal sealed class LedgerNotificationDesk(NotificationCenter center) : INotificationDesk
{
    /// <summary>The person as the session names them: subject and the roles they hold now.</summary>
    private static Recipient Of(ClaimsPrincipal person)
    {
        var caller = PersonCalls.Call(person).Caller;
        return new Recipient(caller.SubjectId, caller.Roles);
    }

    public Task<Inbox> InboxAsync(ClaimsPrincipal person, CancellationToken ct) => center.InboxAsync(Of(person), ct);

    public Task MarkReadAsync(ClaimsPrincipal person, IReadOnlyCollection<string>? ids, CancellationToken ct) =>
        center.MarkReadAsync(Of(person), ids, ct);

    public Task<IReadOnlyList<NotificationKind>> EmailKindsAsync(ClaimsPrincipal person, CancellationToken ct) =>
        center.EmailKindsAsync(Of(person).SubjectId, ct);

    public Task SetEmailKindsAsync(ClaimsPrincipal person, IReadOnlyCollection<NotificationKind> kinds, CancellationToken ct) =>
        center.SetEmailKindsAsync(Of(person).SubjectId, kinds, ct);
}
