using System.Net;
using System.Text.RegularExpressions;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Governance.Api.Tests;

/// <summary>
/// Sign-ins that tell nothing about which accounts exist and that one party cannot use to lock a person out (issue 12, item
/// 5): the same password hashing and message for unknown user names, back-off per address and account, lockout only from
/// several networks, recorded. Times move with the test clock, never by waiting.
/// </summary>
public sealed partial class IdentityTests
{
    private static async Task<string> ErrorMessage(HttpResponseMessage page) =>
        WebUtility.HtmlDecode(
            Regex.Match(await page.Content.ReadAsStringAsync(), "<p class=\"error\" role=\"alert\">([^<]*)</p>").Groups[1].Value
        );

    /// <summary>Counts the password checks of the host's real hasher.</summary>
    private sealed class CountingHasher(IPasswordHasher<GovernanceUser> inner, CountingHasher.Counter counter)
        : IPasswordHasher<GovernanceUser>
    {
        public sealed class Counter
        {
            public int Verifications;
        }

        public string HashPassword(GovernanceUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(GovernanceUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref counter.Verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public async Task An_unknown_user_name_goes_through_the_password_hasher_and_gets_the_answer_a_wrong_password_gets()
    {
        var counter = new CountingHasher.Counter();
        using var counted = app.WithWebHostBuilder(b =>
            b.ConfigureTestServices(services =>
            {
                services.RemoveAll<IPasswordHasher<GovernanceUser>>();
                services.AddScoped<IPasswordHasher<GovernanceUser>>(sp => new CountingHasher(
                    new PasswordHasher<GovernanceUser>(
                        sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<PasswordHasherOptions>>()
                    ),
                    counter
                ));
            })
        );
        var (userName, _) = await Person(Roles.Auditor);

        var before = counter.Verifications;
        using var unknown = await PostSignIn(From(counted, "10.5.0.1"), Scenario.NewId("nobody"), "not-the-password");
        var afterUnknown = counter.Verifications;
        using var wrong = await PostSignIn(From(counted, "10.5.0.1"), userName, "not-the-password");

        Assert.Equal(1, afterUnknown - before);
        Assert.Equal(1, counter.Verifications - afterUnknown);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(wrong.StatusCode, unknown.StatusCode);
        Assert.Equal(SignInEndpoints.Refused, await ErrorMessage(unknown));
        Assert.Equal(await ErrorMessage(wrong), await ErrorMessage(unknown));
    }

    [Fact]
    public async Task One_address_cannot_lock_an_account_its_failures_only_make_it_wait_longer_each_time()
    {
        var (userName, password) = await Person(Roles.Validator);
        var attacker = From(app, "10.6.0.1");
        try
        {
            // Three failures answer at once; then each failure doubles the wait: 2 s, 4 s, 8 s, ...
            for (var i = 0; i < 3; i++)
                Assert.Equal(HttpStatusCode.BadRequest, (await PostSignIn(attacker, userName, "not-the-password")).StatusCode);
            var waits = new List<int>();
            for (var i = 0; i < 9; i++)
            {
                using var throttled = await PostSignIn(attacker, userName, "not-the-password");
                Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
                var wait = (int)throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
                waits.Add(wait);
                app.Clock.Offset += TimeSpan.FromSeconds(wait);
                Assert.Equal(HttpStatusCode.BadRequest, (await PostSignIn(attacker, userName, "not-the-password")).StatusCode);
            }
            using var capped = await PostSignIn(attacker, userName, "not-the-password");

            Assert.Equal([2, 4, 8, 16, 32, 64, 128, 256, 512], waits);
            Assert.Equal(900, (int)capped.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
            // The person, from their own network, signs in: twelve failures from one address locked nothing.
            Assert.Equal(HttpStatusCode.Redirect, (await PostSignIn(From(app, "10.6.0.2"), userName, password)).StatusCode);
            // The log names the account by subject id, never by its user name (personal data in a sealed log).
            var subject = await UserIdOf(userName);
            var failures = (await SecurityEvents("sign_in_failed"))
                .Where(e => e.GetProperty("payload").GetProperty("subject").GetString() == subject)
                .ToArray();
            Assert.Equal(12, failures.Length);
            Assert.All(failures, e => Assert.False(e.GetProperty("payload").TryGetProperty("userName", out _)));
            Assert.DoesNotContain(
                await SecurityEvents("account_locked_out"),
                e => e.GetProperty("payload").GetProperty("subject").GetString() == subject
            );
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Failed_passwords_from_five_networks_lock_the_account_for_fifteen_minutes_and_the_lockout_is_logged()
    {
        var (userName, password) = await Person(Roles.Validator);
        try
        {
            // Two addresses of one IPv6 /64 are one network.
            foreach (var peer in new[] { "10.7.0.1", "10.7.0.2", "10.7.0.3", "2001:db8:7::1", "2001:db8:7::2" })
                Assert.Equal(HttpStatusCode.BadRequest, (await PostSignIn(From(app, peer), userName, "not-the-password")).StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, (await PostSignIn(From(app, "10.7.0.9"), userName, password)).StatusCode);

            Assert.Equal(HttpStatusCode.BadRequest, (await PostSignIn(From(app, "10.7.0.4"), userName, "not-the-password")).StatusCode);
            using var locked = await PostSignIn(From(app, "10.7.0.10"), userName, password);
            Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
            Assert.Equal(SignInEndpoints.Refused, await ErrorMessage(locked));
            var subject = await UserIdOf(userName);
            var lockout = Assert.Single(
                await SecurityEvents("account_locked_out"),
                e => e.GetProperty("payload").GetProperty("subject").GetString() == subject
            );
            Assert.Equal(5, lockout.GetProperty("payload").GetProperty("addresses").GetInt32());

            app.Clock.Offset = TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1);
            Assert.Equal(HttpStatusCode.Redirect, (await PostSignIn(From(app, "10.7.0.11"), userName, password)).StatusCode);
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
    }
}
