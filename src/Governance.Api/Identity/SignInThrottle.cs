using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Governance.Api.Identity;

/// <summary>
/// Brute-force protection of the sign-in form that an anonymous party cannot turn against a real person (OWASP ASVS 4.0.3
/// V2.2.1; OWASP Authentication Cheat Sheet, "Account Lockout"). Failures are kept per (client address, account) in
/// <c>identity.sign_in_failures</c> for <see cref="Settings.Window"/>, shared by every API node:
/// <list type="bullet">
/// <item>exponential back-off per (address, account): after <see cref="Settings.BackoffAfter"/> failures the next attempt from
/// that address for that account must wait <see cref="Settings.FirstBackoff"/>, and each further failure doubles the wait, up
/// to <see cref="Settings.MaxBackoff"/>; an attempt during the wait is refused without checking the password. One address can
/// therefore slow down only its own attempts, never lock the account;</item>
/// <item>account lockout only when failed passwords came from <see cref="Settings.LockoutAddresses"/> distinct addresses
/// (networks, see <see cref="CredentialLimits.AddressKey"/>) within the window: the account is locked for
/// <see cref="Settings.LockoutDuration"/>, and the security log records it (<c>AccountLockedOut</c>).</item>
/// </list>
/// Unknown user names are throttled exactly like real ones, so the answers say nothing about which accounts exist. A success
/// clears its (address, account) failures. Times come from the host's <see cref="TimeProvider"/>.
/// </summary>
public sealed class SignInThrottle(IdentityDb db, TimeProvider clock, SignInThrottle.Settings settings)
{
    /// <summary>The throttle's numbers, from Governance:Identity:SignIn (each documented in the README).</summary>
    /// <param name="BackoffAfter">Failures of one (address, account) after which back-off starts (BackoffAfterFailures, default 3).</param>
    /// <param name="FirstBackoff">The first wait (FirstBackoffSeconds, default 2 s); it doubles with each further failure.</param>
    /// <param name="MaxBackoff">The longest wait (MaxBackoffMinutes, default 15 min).</param>
    /// <param name="Window">How long a failure counts (FailureWindowMinutes, default 60 min).</param>
    /// <param name="LockoutAddresses">Distinct addresses with failed passwords that lock an account (LockoutAddresses, default 5).</param>
    /// <param name="LockoutDuration">How long the account stays locked (LockoutMinutes, default 15 min).</param>
    public sealed record Settings(
        int BackoffAfter,
        TimeSpan FirstBackoff,
        TimeSpan MaxBackoff,
        TimeSpan Window,
        int LockoutAddresses,
        TimeSpan LockoutDuration
    )
    {
        /// <summary>The settings of Governance:Identity:SignIn, defaults where absent.</summary>
        /// <exception cref="InvalidOperationException">A count below 1 or a duration that is not positive, naming the setting.</exception>
        public static Settings From(IConfiguration configuration)
        {
            var section = configuration.GetSection("Governance:Identity:SignIn");
            int Count(string name, int fallback) =>
                section.GetValue(name, fallback) is var value and >= 1
                    ? value
                    : throw new InvalidOperationException($"Governance:Identity:SignIn:{name} must be 1 or more.");
            TimeSpan Duration(string name, double fallback, Func<double, TimeSpan> unit) =>
                section.GetValue(name, fallback) is var value && value > 0 && double.IsFinite(value)
                    ? unit(value)
                    : throw new InvalidOperationException($"Governance:Identity:SignIn:{name} must be a positive number.");
            return new Settings(
                Count("BackoffAfterFailures", 3),
                Duration("FirstBackoffSeconds", 2, TimeSpan.FromSeconds),
                Duration("MaxBackoffMinutes", 15, TimeSpan.FromMinutes),
                Duration("FailureWindowMinutes", 60, TimeSpan.FromMinutes),
                Count("LockoutAddresses", 5),
                Duration("LockoutMinutes", 15, TimeSpan.FromMinutes)
            );
        }
    }

    /// <summary>The table of recent failures (created at start, see <see cref="IdentityDb.EnsureSchemaAsync"/>): the normalized
    /// user name as typed, the client address key, and the time. Rows older than the window are deleted as failures come in.</summary>
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS identity.sign_in_failures (
            account text NOT NULL,
            address text NOT NULL,
            failed_at timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS sign_in_failures_account ON identity.sign_in_failures (account, address, failed_at);
        CREATE INDEX IF NOT EXISTS sign_in_failures_failed_at ON identity.sign_in_failures (failed_at);
        """;

    /// <summary>One (address, account)'s failures within the window and the time of the last.</summary>
    private sealed class PairFailures
    {
        public int Failures { get; init; }

        public DateTimeOffset? Last { get; init; }
    }

    /// <summary>How long <paramref name="address"/> must still wait before trying <paramref name="account"/> (a normalized user
    /// name) again; zero when it may try now.</summary>
    public async Task<TimeSpan> WaitAsync(string account, string address, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var since = now - settings.Window;
        var pair = await db
            .Database.SqlQuery<PairFailures>(
                $"""
                SELECT count(*)::int AS "Failures", max(failed_at) AS "Last" FROM identity.sign_in_failures
                WHERE account = {account} AND address = {address} AND failed_at > {since}
                """
            )
            .SingleAsync(ct);
        if (pair.Failures < settings.BackoffAfter || pair.Last is not { } last)
            return TimeSpan.Zero;
        var wait = Backoff(pair.Failures) - (now - last);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failure (at least <see cref="Settings.BackoffAfter"/>):
    /// <see cref="Settings.FirstBackoff"/> doubled per further failure, at most <see cref="Settings.MaxBackoff"/>.</summary>
    public TimeSpan Backoff(int failures)
    {
        var doublings = Math.Min(failures - settings.BackoffAfter, 30);
        var wait = settings.FirstBackoff * Math.Pow(2, doublings);
        return wait < settings.MaxBackoff ? wait : settings.MaxBackoff;
    }

    /// <summary>Records a failed sign-in of <paramref name="account"/> from <paramref name="address"/>, and returns from how many
    /// distinct addresses the account failed within the window (this one included).</summary>
    public async Task<int> FailedAsync(string account, string address, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var since = now - settings.Window;
        await db.Database.ExecuteSqlAsync($"DELETE FROM identity.sign_in_failures WHERE failed_at <= {since}", ct);
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO identity.sign_in_failures (account, address, failed_at) VALUES ({account}, {address}, {now})",
            ct
        );
        return await db
            .Database.SqlQuery<int>(
                $"""
                SELECT count(DISTINCT address)::int AS "Value" FROM identity.sign_in_failures
                WHERE account = {account} AND failed_at > {since}
                """
            )
            .SingleAsync(ct);
    }

    /// <summary>Forgets the failures of <paramref name="account"/> from <paramref name="address"/> after a successful sign-in;
    /// failures from other addresses still count towards a lockout.</summary>
    public Task SucceededAsync(string account, string address, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"DELETE FROM identity.sign_in_failures WHERE account = {account} AND address = {address}", ct);

    /// <summary>True when failures from <paramref name="addresses"/> distinct addresses lock an account.</summary>
    public bool Locks(int addresses) => addresses >= settings.LockoutAddresses;

    /// <summary>Locks <paramref name="user"/> until <see cref="Settings.LockoutDuration"/> from now and returns that time; null
    /// when lockout is disabled for the account (Identity then refuses to set it).</summary>
    public async Task<DateTimeOffset?> LockAsync(UserManager<GovernanceUser> users, GovernanceUser user)
    {
        var until = clock.GetUtcNow() + settings.LockoutDuration;
        return (await users.SetLockoutEndDateAsync(user, until)).Succeeded ? until : null;
    }

    /// <summary>True while <paramref name="user"/>'s lockout end is in the future (by the host's clock).</summary>
    public bool IsLockedOut(GovernanceUser user) => user.LockoutEnabled && user.LockoutEnd > clock.GetUtcNow();
}
