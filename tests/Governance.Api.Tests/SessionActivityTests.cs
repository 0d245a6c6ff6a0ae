using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Governance.Api.Tests;

/// <summary>The time rules of web UI sessions (issue 12, item 4), on a clock the test moves: idle timeout, re-authentication
/// before signing after an idle gap, and their configuration.</summary>
public sealed class SessionActivityTests
{
    private static readonly SessionSettings Defaults = SessionSettings.From(new ConfigurationBuilder().Build());

    [Fact]
    public void The_defaults_are_30_minutes_idle_5_minutes_before_re_authentication_and_5_seconds_of_cache()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), Defaults.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), Defaults.ReauthenticateAfterIdle);
        Assert.Equal(TimeSpan.FromSeconds(5), Defaults.AccessCacheDuration);
    }

    [Theory]
    [InlineData("00:00:03", 3)]
    [InlineData("2.5", 2.5)]
    public void Durations_are_configured_as_a_time_span_or_seconds(string value, double seconds)
    {
        var settings = SessionSettings.From(
            new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Governance:Sessions:IdleTimeout"] = value })
                .Build()
        );

        Assert.Equal(TimeSpan.FromSeconds(seconds), settings.IdleTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-00:01:00")]
    [InlineData("soon")]
    public void A_duration_that_is_not_positive_is_refused_naming_the_setting(string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Governance:Sessions:ReauthenticateAfterIdle"] = value })
            .Build();

        var refused = Assert.Throws<ConfigurationProblem>(() => SessionSettings.From(configuration));

        Assert.Contains("Governance:Sessions:ReauthenticateAfterIdle", refused.Message);
    }

    [Fact]
    public void Signing_needs_a_new_sign_in_once_the_page_was_idle_for_more_than_5_minutes_even_after_new_activity()
    {
        var clock = new AdjustableClock();
        var activity = new SessionActivity(Defaults, clock);
        activity.Touch("s1");
        clock.Offset += TimeSpan.FromMinutes(4);
        activity.Touch("s1");
        Assert.False(activity.NeedsReauthentication("s1"));

        clock.Offset += TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);
        Assert.True(activity.NeedsReauthentication("s1"));
        activity.Touch("s1");

        Assert.True(activity.NeedsReauthentication("s1"));
        Assert.False(activity.HasExpired("s1"));
    }

    [Fact]
    public void A_session_without_activity_for_30_minutes_has_expired_and_one_with_activity_has_not()
    {
        var clock = new AdjustableClock();
        var activity = new SessionActivity(Defaults, clock);
        activity.Touch("idle");
        activity.Touch("busy");
        for (var minute = 0; minute < 31; minute++)
        {
            clock.Offset += TimeSpan.FromMinutes(1);
            activity.Touch("busy");
        }

        Assert.True(activity.HasExpired("idle"));
        Assert.False(activity.HasExpired("busy"));
        Assert.False(activity.NeedsReauthentication("busy"));
    }
}
