using Governance.Domain.Shared;
using Governance.Ledger.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace Governance.Api.Identity;

/// <summary>A person or machine client as the identity store knows them now: namespaced subject, display name, roles.</summary>
public sealed record Party(string SubjectId, string DisplayName, IReadOnlyList<string> Roles);

/// <summary>
/// The people directory: the identity store read by namespaced subject (<see cref="Subjects"/>), so that the API can check
/// that a delegate or a new owner exists and holds the role their part needs before the ledger records them.
/// </summary>
public sealed class PeopleDirectory(UserManager<GovernanceUser> users, IOpenIddictApplicationManager applications)
{
    /// <summary>The person (<c>user:…</c>) or machine client (<c>client:…</c>) named, or null when there is none.</summary>
    public async Task<Party?> FindAsync(string? subjectId, CancellationToken ct)
    {
        if (subjectId is null)
            return null;
        if (Subjects.IsUser(subjectId) && await users.FindByIdAsync(subjectId[Subjects.UserPrefix.Length..]) is { } user)
            return new Party(subjectId, user.DisplayName, [.. await users.GetRolesAsync(user)]);
        if (
            Subjects.IsClient(subjectId)
            && await applications.FindByClientIdAsync(subjectId[Subjects.ClientPrefix.Length..], ct) is { } client
        )
            return new Party(
                subjectId,
                await applications.GetDisplayNameAsync(client, ct) ?? subjectId,
                Accounts.RolesOf(await applications.GetPropertiesAsync(client, ct))
            );
        return null;
    }

    /// <summary>The party named, holding <paramref name="role"/>.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input on <paramref name="field"/> when there is no such person or client,
    /// or they do not hold the role.</exception>
    public async Task<Party> RequireAsync(string? subjectId, string role, string field, CancellationToken ct)
    {
        var party = await FindAsync(subjectId, ct);
        if (party is null || !party.Roles.Contains(role))
            throw GovernanceRuleException.InvalidField(
                field,
                party is null
                    ? $"no person (user:…) or machine client (client:…) '{subjectId}' is registered"
                    : $"'{subjectId}' does not hold the {role} role"
            );
        return party;
    }
}

/// <summary>
/// The ledger's people directory (<see cref="IPeopleDirectory"/>) on the identity store: every person's and machine client's
/// display name by namespaced subject, read at most once per <see cref="SessionSettings.AccessCacheDuration"/> (the same bound
/// as role changes) so that a page or pack naming many parties costs one read.
/// </summary>
public sealed class IdentityPeopleDirectory(IServiceScopeFactory scopes, SessionSettings settings, TimeProvider clock) : IPeopleDirectory
{
    private sealed record Snapshot(PeopleNames Names, DateTimeOffset Until);

    // One reference, swapped whole: pages and packs on many threads read it without tearing.
    private volatile Snapshot? _cached;

    public async Task<PeopleNames> NamesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cached is { } cached && cached.Until > now)
            return cached.Names;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var names = new Dictionary<string, string>();
        foreach (var (id, name) in await users.Users.Select(u => new ValueTuple<string, string>(u.Id, u.DisplayName)).ToListAsync(ct))
            names[Subjects.User(id)] = name;
        await foreach (var application in applications.ListAsync(count: null, offset: null, ct))
            if (await applications.GetClientIdAsync(application, ct) is { } clientId)
                names[Subjects.Client(clientId)] = await applications.GetDisplayNameAsync(application, ct) ?? clientId;
        var loaded = new PeopleNames(names);
        _cached = new Snapshot(loaded, now + settings.AccessCacheDuration);
        return loaded;
    }
}

/// <summary>The administrator's screen's accounts (<see cref="Governance.Ui.Desks.IAccountDirectory"/>) from the identity store:
/// every person with their roles and any lockout in force now.</summary>
public sealed class IdentityAccountDirectory(IServiceScopeFactory scopes, TimeProvider clock) : Governance.Ui.Desks.IAccountDirectory
{
    public async Task<IReadOnlyList<Governance.Ui.Desks.AccountSummary>> AccountsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
        var now = clock.GetUtcNow();
        var accounts = new List<Governance.Ui.Desks.AccountSummary>();
        foreach (var user in await users.Users.OrderBy(u => u.UserName).ToListAsync(ct))
            accounts.Add(
                new Governance.Ui.Desks.AccountSummary(
                    Subjects.User(user.Id),
                    user.UserName!,
                    user.DisplayName,
                    user.Email,
                    [.. await users.GetRolesAsync(user)],
                    user.LockoutEnd > now ? user.LockoutEnd : null
                )
            );
        return accounts;
    }
}
