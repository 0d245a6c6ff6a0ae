using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

/// <summary>What the identity store says about a person, a machine client or a web UI session now: whether it may act at all
/// (exists, not locked out, not signed out), the security stamp a person's tokens must carry, and the roles it holds.</summary>
public sealed record AccountState(bool Active, string? Stamp, IReadOnlyList<string> Roles)
{
    public static readonly AccountState Inactive = new(false, null, []);
}

/// <summary>
/// Checks every authenticated principal (bearer tokens, the web UI session, open UI pages) against the identity store as it is
/// now, not as it was when the token or cookie was issued: a person's security stamp must still match the one in their token and
/// their roles are replaced by the current ones; a machine client must still exist and gets its current roles; a web UI session
/// must not have been signed out. Answers are kept in memory for at most <see cref="SessionSettings.AccessCacheDuration"/>, and
/// dropped at once when <see cref="AccessChanges"/> reports a change (from this process, or from another API node through
/// PostgreSQL NOTIFY).
/// </summary>
public sealed class CurrentAccess(IServiceScopeFactory scopes, SessionSettings settings, TimeProvider clock, IConfiguration configuration)
{
    /// <summary>The claim of a person's tokens and UI session holding a digest of their security stamp when it was issued.</summary>
    public const string StampClaim = "governance_stamp";

    /// <summary>The claim of the web UI's session cookie that names the session, so that signing out ends it everywhere.</summary>
    public const string SessionClaim = "governance_session";

    private readonly ConcurrentDictionary<string, (AccountState State, DateTimeOffset Until)> _cache = new();
    private long _generation;

    /// <summary>The cache key of a person (by user id).</summary>
    public static string UserKey(string userId) => "user:" + userId;

    /// <summary>The cache key of a machine client (by client id).</summary>
    public static string ClientKey(string clientId) => "client:" + clientId;

    /// <summary>The cache key of a web UI session (by session id).</summary>
    public static string SessionKey(string sessionId) => "session:" + sessionId;

    /// <summary>The digest of a security stamp carried in tokens (22 base64url characters of its SHA-256): the stamp itself never
    /// leaves the identity store.</summary>
    public static string StampDigest(string? securityStamp) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(securityStamp ?? "")))[..22];

    /// <summary>Forgets what is known about one key (<see cref="UserKey"/>, <see cref="ClientKey"/>, <see cref="SessionKey"/>).</summary>
    public void Invalidate(string key)
    {
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(key, out _);
    }

    /// <summary>Forgets everything, e.g. when change notifications may have been missed.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    /// <summary>
    /// The principal to act with now: <paramref name="principal"/> with its role claims replaced by the roles held now, or null
    /// when it may no longer act (a person whose stamp changed, who is locked out or deleted, or who carries no stamp; a client
    /// that no longer exists; a signed-out UI session). A person is recognised by the stamp claim, a client by a subject equal to
    /// its client_id (with or without the <c>client:</c> prefix).
    /// </summary>
    public async Task<ClaimsPrincipal?> CurrentAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        var subject = principal.FindFirst(Claims.Subject)?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } || string.IsNullOrEmpty(subject))
            return null;
        AccountState state;
        var stamp = principal.FindFirst(StampClaim)?.Value;
        if (stamp is not null)
        {
            state = await StateAsync(UserKey(Unprefixed(subject, "user:")), ct);
            if (!state.Active || state.Stamp != stamp)
                return null;
            if (principal.FindFirst(SessionClaim)?.Value is { } session && !(await StateAsync(SessionKey(session), ct)).Active)
                return null;
        }
        else if (Unprefixed(subject, "client:") is var clientId && clientId == principal.FindFirst(Claims.ClientId)?.Value)
        {
            state = await StateAsync(ClientKey(clientId), ct);
            if (!state.Active)
                return null;
        }
        else
            return null;
        return WithRoles(principal, state.Roles);
    }

    /// <summary>The current state behind a key, from memory when loaded less than the cache duration ago.</summary>
    public async Task<AccountState> StateAsync(string key, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Until > now)
            return cached.State;
        var generation = Interlocked.Read(ref _generation);
        var state = await LoadAsync(key, ct);
        // A change reported while loading may not be in what was read: then the answer is used once and not kept.
        if (Interlocked.Read(ref _generation) == generation)
            _cache[key] = (state, now + settings.AccessCacheDuration);
        return state;
    }

    private async Task<AccountState> LoadAsync(string key, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (key.StartsWith("user:", StringComparison.Ordinal))
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
            var user = await users.FindByIdAsync(key[5..]);
            if (user is null || (user.LockoutEnabled && user.LockoutEnd > clock.GetUtcNow()))
                return AccountState.Inactive;
            return new AccountState(true, StampDigest(user.SecurityStamp), [.. await users.GetRolesAsync(user)]);
        }
        if (key.StartsWith("client:", StringComparison.Ordinal))
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(key[7..], ct);
            return application is null
                ? AccountState.Inactive
                : new AccountState(true, null, Accounts.RolesOf(await applications.GetPropertiesAsync(application, ct)));
        }
        await using var connection = new NpgsqlConnection(Hosting.GovernanceHost.ConnectionString(configuration));
        await connection.OpenAsync(ct);
        await using var ended = new NpgsqlCommand("SELECT 1 FROM identity.ended_ui_sessions WHERE session_id = $1", connection)
        {
            Parameters = { new() { Value = key[8..] } },
        };
        return await ended.ExecuteScalarAsync(ct) is null ? new AccountState(true, null, []) : AccountState.Inactive;
    }

    private static string Unprefixed(string subject, string prefix) =>
        subject.StartsWith(prefix, StringComparison.Ordinal) ? subject[prefix.Length..] : subject;

    /// <summary>A copy of <paramref name="principal"/> whose role claims (of its identity's role claim type, and the usual role
    /// claim types) are exactly <paramref name="roles"/>.</summary>
    private static ClaimsPrincipal WithRoles(ClaimsPrincipal principal, IReadOnlyList<string> roles)
    {
        // ClaimsPrincipal.Clone shares its identities: the original (e.g. an open page's) must keep the roles it was shown with.
        var copy = new ClaimsPrincipal(principal.Identities.Select(i => i.Clone()));
        var identity = (ClaimsIdentity)copy.Identity!;
        foreach (
            var claim in identity.Claims.Where(c => c.Type is Claims.Role or ClaimTypes.Role || c.Type == identity.RoleClaimType).ToList()
        )
            identity.RemoveClaim(claim);
        foreach (var role in roles)
            identity.AddClaim(new Claim(identity.RoleClaimType, role));
        return copy;
    }
}
