using System.Collections.Concurrent;
using System.Security.Claims;
using Governance.Api.Hosting;
using Governance.Ui.Desks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Npgsql;

namespace Governance.Api.Identity;

/// <summary>
/// When each web UI session (named by <see cref="CurrentAccess.SessionClaim"/>) last saw its person act, on this node: requests
/// with its cookie and every message of its open pages (Blazor circuits, which stay on the node that opened them). A session idle
/// for longer than <see cref="SessionSettings.IdleTimeout"/> has expired; one that was once idle for longer than
/// <see cref="SessionSettings.ReauthenticateAfterIdle"/> must sign in again (a new session) before signing a decision.
/// </summary>
public sealed class SessionActivity(SessionSettings settings, TimeProvider clock)
{
    private sealed class Entry(DateTimeOffset last)
    {
        public DateTimeOffset Last = last;
        public bool ReauthenticationRequired;
    }

    private readonly ConcurrentDictionary<string, Entry> _sessions = new();
    private DateTimeOffset _swept = DateTimeOffset.MinValue;

    /// <summary>Records that the person of <paramref name="sessionId"/> acted now, noting an idle gap longer than allowed before
    /// signing.</summary>
    public void Touch(string sessionId)
    {
        var now = clock.GetUtcNow();
        var entry = _sessions.GetOrAdd(sessionId, _ => new Entry(now));
        lock (entry)
        {
            if (now - entry.Last > settings.ReauthenticateAfterIdle)
                entry.ReauthenticationRequired = true;
            if (now > entry.Last)
                entry.Last = now;
        }
        // No session outlives its maximum lifetime: forget those (at most once per idle timeout).
        if (now - _swept > settings.IdleTimeout)
        {
            _swept = now;
            foreach (var (id, old) in _sessions)
                if (now - old.Last > settings.MaxLifetime)
                    _sessions.TryRemove(id, out _);
        }
    }

    /// <summary>True when the session was seen on this node and not since <see cref="SessionSettings.IdleTimeout"/>.</summary>
    public bool HasExpired(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry) && clock.GetUtcNow() - entry.Last > settings.IdleTimeout;

    /// <summary>True when the session was idle for longer than <see cref="SessionSettings.ReauthenticateAfterIdle"/> at some point
    /// (including now), so the person must sign in again before signing.</summary>
    public bool NeedsReauthentication(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry)
        && (entry.ReauthenticationRequired || clock.GetUtcNow() - entry.Last > settings.ReauthenticateAfterIdle);
}

/// <summary>
/// Web UI sessions: each sign-in through the UI starts one (<see cref="NewSessionId"/>, kept in the UI cookie), signing out ends
/// it for every tab and node (a row in <c>identity.ended_ui_sessions</c>, then <see cref="AccessChanges"/>), and every use is
/// checked (<see cref="CheckAsync"/>): by the UI cookie on each request, by open pages every
/// <see cref="SessionSettings.CircuitRevalidation"/>, and by the desks before each command.
/// </summary>
public sealed class UiSessions(
    CurrentAccess access,
    AccessChanges changes,
    SessionActivity activity,
    SessionSettings settings,
    TimeProvider clock,
    IConfiguration configuration
) : ISessionGuard
{
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS identity.ended_ui_sessions (
            session_id text PRIMARY KEY,
            ended_at timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ended_ui_sessions_ended_at ON identity.ended_ui_sessions (ended_at);
        """;

    /// <summary>The authentication property holding when the session started, which its cookie's renewals keep.</summary>
    public const string StartedProperty = "governance.session_started";

    public static string NewSessionId() => Guid.NewGuid().ToString("N");

    /// <summary>Ends the session of <paramref name="principal"/> (a UI cookie principal; nothing for others) on every node, and
    /// forgets ended sessions older than the longest session lifetime.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.FindFirst(CurrentAccess.SessionClaim)?.Value is not { Length: > 0 } sessionId)
            return;
        await using (var connection = new NpgsqlConnection(GovernanceHost.ConnectionString(configuration)))
        {
            await connection.OpenAsync(ct);
            await using var end = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new("INSERT INTO identity.ended_ui_sessions (session_id, ended_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    {
                        Parameters =
                        {
                            new() { Value = sessionId },
                            new() { Value = clock.GetUtcNow() },
                        },
                    },
                    new("DELETE FROM identity.ended_ui_sessions WHERE ended_at < $1")
                    {
                        Parameters = { new() { Value = clock.GetUtcNow() - settings.MaxLifetime } },
                    },
                },
            };
            await end.ExecuteNonQueryAsync(ct);
        }
        await changes.PublishAsync(CurrentAccess.SessionKey(sessionId), ct);
    }

    /// <summary>
    /// Whether the person of an open page may still act: refused with <c>session.ended</c> (signed out, account locked, deleted or
    /// its credentials changed), <c>session.expired</c> (idle too long), <c>session.roles_changed</c>, or, for
    /// <see cref="SessionUse.Sign"/>, <c>session.reauthentication_required</c>; else the person with the roles they hold now.
    /// </summary>
    public async Task<SessionVerdict> CheckAsync(ClaimsPrincipal person, SessionUse use, CancellationToken ct)
    {
        var current = await access.CurrentAsync(person, ct);
        if (current is null)
            return SessionVerdict.Refused(
                "session.ended",
                "Your session has ended (you signed out, or your account changed). Nothing was recorded. Sign in again."
            );
        var sessionId = person.FindFirst(CurrentAccess.SessionClaim)?.Value ?? "";
        if (activity.HasExpired(sessionId))
            return SessionVerdict.Refused("session.expired", "Your session expired after a period without activity. Sign in again.");
        if (!RolesOf(current).SetEquals(RolesOf(person)))
            return SessionVerdict.Refused("session.roles_changed", "Your roles changed. Nothing was recorded. Reload the page.");
        if (use == SessionUse.Sign && activity.NeedsReauthentication(sessionId))
            return SessionVerdict.Refused(
                "session.reauthentication_required",
                $"This page was left idle for more than {Minutes(settings.ReauthenticateAfterIdle)}. Nothing was recorded. "
                    + "Sign in again before signing."
            );
        return SessionVerdict.Allowed(current);
    }

    /// <summary>
    /// The UI cookie's check on every request: the session must be within its maximum lifetime and pass
    /// <see cref="CurrentAccess"/>; its roles are then the current ones, and its activity is recorded. Otherwise the cookie is
    /// rejected and removed, so the UI sends the person to sign in.
    /// </summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var settings = services.GetRequiredService<SessionSettings>();
        var started =
            context.Properties.Items.TryGetValue(StartedProperty, out var text)
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var at)
                ? at
                : context.Properties.IssuedUtc ?? DateTimeOffset.MinValue;
        var current =
            services.GetRequiredService<TimeProvider>().GetUtcNow() - started > settings.MaxLifetime
                ? null
                : await services.GetRequiredService<CurrentAccess>().CurrentAsync(context.Principal!, context.HttpContext.RequestAborted);
        if (current is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentitySetup.UiCookie);
            return;
        }
        if (current.FindFirst(CurrentAccess.SessionClaim)?.Value is { } sessionId)
            services.GetRequiredService<SessionActivity>().Touch(sessionId);
        context.ReplacePrincipal(current);
    }

    private static HashSet<string> RolesOf(ClaimsPrincipal principal) =>
        [.. principal.Claims.Where(c => c.Type is "role" or ClaimTypes.Role).Select(c => c.Value)];

    private static string Minutes(TimeSpan span) =>
        span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0} seconds";
}

/// <summary>The authentication state of an open page, re-checked every <see cref="SessionSettings.CircuitRevalidation"/>
/// (<see cref="UiSessions.CheckAsync"/>): once the session ended, expired or the roles changed, the page's person becomes
/// anonymous and the UI sends the browser to sign in.</summary>
public sealed class UiAuthenticationState(ILoggerFactory loggers, UiSessions sessions, SessionSettings settings)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => settings.CircuitRevalidation;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        state.User.Identity?.IsAuthenticated != true || (await sessions.CheckAsync(state.User, SessionUse.Act, ct)).Person is not null;
}

/// <summary>Records each message of an open page as activity of its session (<see cref="SessionActivity"/>).</summary>
public sealed class SessionCircuitActivity(AuthenticationStateProvider authentication, SessionActivity activity) : CircuitHandler
{
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(
        Func<CircuitInboundActivityContext, Task> next
    ) =>
        async context =>
        {
            var user = (await authentication.GetAuthenticationStateAsync()).User;
            if (user.FindFirst(CurrentAccess.SessionClaim)?.Value is { } sessionId)
                activity.Touch(sessionId);
            await next(context);
        };
}
