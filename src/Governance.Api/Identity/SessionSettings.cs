using System.Globalization;
using Governance.Api.Hosting;

namespace Governance.Api.Identity;

/// <summary>
/// How long a person's session and what is known about their account may live (section Governance:Sessions, each a TimeSpan such
/// as <c>00:30:00</c>, or a number of seconds): <c>IdleTimeout</c> (default 30 minutes: the web UI's cookies slide by it and an
/// open page without activity for that long ends), <c>ReauthenticateAfterIdle</c> (default 5 minutes: a page left without
/// activity for longer must sign in again before approving or rejecting), <c>AccessCacheDuration</c> (default 5 seconds: the
/// longest a person's or client's roles, security stamp and sessions are taken from memory instead of the identity store, when no
/// change notification arrived), <c>CircuitRevalidation</c> (default 10 seconds: how often an open page re-checks its session)
/// and <c>MaxLifetime</c> (default 8 hours: the longest a web UI session lasts however active).
/// </summary>
public sealed record SessionSettings(
    TimeSpan IdleTimeout,
    TimeSpan ReauthenticateAfterIdle,
    TimeSpan AccessCacheDuration,
    TimeSpan CircuitRevalidation,
    TimeSpan MaxLifetime
)
{
    public const string Section = "Governance:Sessions";

    /// <summary>Reads <see cref="Section"/>; absent values take the defaults.</summary>
    /// <exception cref="ConfigurationProblem">A value that is not a positive duration, naming the setting.</exception>
    public static SessionSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        TimeSpan Read(string name, TimeSpan fallback)
        {
            var text = section[name];
            if (string.IsNullOrWhiteSpace(text))
                return fallback;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
                return seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw Invalid(name, text);
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
                ? span
                : throw Invalid(name, text);
        }
        return new SessionSettings(
            Read("IdleTimeout", TimeSpan.FromMinutes(30)),
            Read("ReauthenticateAfterIdle", TimeSpan.FromMinutes(5)),
            Read("AccessCacheDuration", TimeSpan.FromSeconds(5)),
            Read("CircuitRevalidation", TimeSpan.FromSeconds(10)),
            Read("MaxLifetime", TimeSpan.FromHours(8))
        );
    }

    private static ConfigurationProblem Invalid(string name, string text) =>
        new($"{Section}:{name}: '{text}' is not a positive duration (e.g. 00:05:00, or a number of seconds).");
}
