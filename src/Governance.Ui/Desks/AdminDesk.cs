using Governance.Domain.Models;
using Governance.Ledger.SecurityLog;
using Marten;

namespace Governance.Ui.Desks;

/// <summary>A person with access as the identity store holds them now: namespaced subject, user name, display name, e-mail
/// address (null when none), roles, and the end of a lockout in force (null when not locked out).</summary>
public sealed record AccountSummary(
    string SubjectId,
    string UserName,
    string DisplayName,
    string? Email,
    IReadOnlyList<string> Roles,
    DateTimeOffset? LockedUntil
);

/// <summary>The people with access, from the host's identity store (the UI has none of its own).</summary>
public interface IAccountDirectory
{
    Task<IReadOnlyList<AccountSummary>> AccountsAsync(CancellationToken ct);
}

/// <summary>An account with its standing conflicts (<see cref="StewardshipConflicts"/>): empty when there are none.</summary>
public sealed record AccountReview(AccountSummary Account, IReadOnlyList<string> Conflicts);

/// <summary>The administrator's screen: people, their roles and conflicting-role warnings, and the security log.</summary>
public interface IAdminDesk
{
    /// <summary>Every account, those with conflicts first, then by user name.</summary>
    Task<IReadOnlyList<AccountReview>> AccountsAsync(CancellationToken ct);

    /// <summary>The security log newest first (<see cref="SecurityLogBook.RecentAsync"/>).</summary>
    Task<SecurityLogPage> SecurityLogAsync(long? before, IReadOnlyCollection<string>? eventTypes, CancellationToken ct);
}

internal sealed class LedgerAdminDesk(IAccountDirectory accounts, IDocumentStore store, SecurityLogBook log) : IAdminDesk
{
    /// <summary>Rows per page of the security log on the screen.</summary>
    public const int PageSize = 50;

    public async Task<IReadOnlyList<AccountReview>> AccountsAsync(CancellationToken ct)
    {
        IReadOnlyList<Model> models;
        await using (var session = store.QuerySession())
            models = await session.Query<Model>().ToListAsync(ct);
        return (await accounts.AccountsAsync(ct))
            .Select(a => new AccountReview(a, StewardshipConflicts.Of(a.SubjectId, a.Roles.ToArray(), models)))
            .OrderBy(r => r.Conflicts.Count == 0)
            .ThenBy(r => r.Account.UserName, StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }

    public Task<SecurityLogPage> SecurityLogAsync(long? before, IReadOnlyCollection<string>? eventTypes, CancellationToken ct) =>
        log.RecentAsync(before, PageSize, eventTypes, ct);
}
