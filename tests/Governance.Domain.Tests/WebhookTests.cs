using System.Net;
using System.Text;
using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Webhooks without a database: Standard Webhooks signatures (against the specification's own test vector), where a
/// subscription may point, the retry schedule, and who registers what.</summary>
public class WebhookTests
{
    private static readonly Actor AdminAnn = new("user:admin-ann", Roles.Admin);
    private static readonly WebhookUrlPolicy Policy = new(["127.0.0.1"]);
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public void The_signature_matches_the_standard_webhooks_test_vector()
    {
        // libraries/csharp/StandardWebhooks.Tests/WebhookTest.cs of github.com/standard-webhooks/standard-webhooks.
        var key = WebhookSignature.ParseSecret(Secret, out var problem)!;
        Assert.Null(problem);
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        Assert.Equal(
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        );
    }

    [Fact]
    public void A_receiver_accepts_a_signed_message_in_the_window_and_refuses_a_changed_body_an_old_timestamp_or_a_wrong_key()
    {
        var key = WebhookSignature.ParseSecret(Secret, out _)!;
        var body = Encoding.UTF8.GetBytes("{\"type\":\"org.governance.approval.granted\"}");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var signature = WebhookSignature.Sign(key, "evt-1", now.ToUnixTimeSeconds(), body);
        string? Verify(byte[] k, string ts, string sig, byte[] b, DateTimeOffset at) =>
            WebhookSignature.Verify(k, "evt-1", ts, sig, b, at, WebhookSignature.ReplayTolerance);
        var ts = now.ToUnixTimeSeconds().ToString();

        Assert.Null(Verify(key, ts, signature, body, now));
        Assert.Null(Verify(key, ts, signature, body, now.AddMinutes(5)));
        Assert.Null(Verify(key, ts, $"v1,bm90IGl0 v2,xyz {signature}", body, now));
        Assert.Equal("no webhook-signature matches", Verify(key, ts, signature, [.. body, (byte)' '], now));
        Assert.Equal("webhook-timestamp is outside the replay window", Verify(key, ts, signature, body, now.AddMinutes(5).AddSeconds(1)));
        Assert.Equal("webhook-timestamp is outside the replay window", Verify(key, ts, signature, body, now.AddMinutes(-6)));
        var otherKey = WebhookSignature.ParseSecret("whsec_" + Convert.ToBase64String(new byte[32]), out _)!;
        Assert.Equal("no webhook-signature matches", Verify(otherKey, ts, signature, body, now));
        // The timestamp is signed: moving it into the window invalidates the signature.
        Assert.Equal("no webhook-signature matches", Verify(key, (now.ToUnixTimeSeconds() + 1).ToString(), signature, body, now));
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with whsec_")]
    [InlineData("whsec_not base64!", "must be whsec_ followed by base64")]
    [InlineData("whsec_c2hvcnQ=", "must encode 24 to 64 bytes (it encodes 5)")]
    public void A_secret_that_is_not_whsec_and_24_to_64_random_bytes_is_refused(string? secret, string expected)
    {
        Assert.Null(WebhookSignature.ParseSecret(secret, out var problem));
        Assert.StartsWith(expected, problem);
    }

    [Theory]
    [InlineData("https://hooks.example.com/governance", null)]
    [InlineData("https://8.8.8.8/hook", null)]
    [InlineData("http://127.0.0.1:5000/hook", null)]
    [InlineData("http://hooks.example.com/governance", "must use https://")]
    [InlineData("https://10.1.2.3/hook", "must not point to a private")]
    [InlineData("https://192.168.0.10/hook", "must not point to a private")]
    [InlineData("https://169.254.169.254/latest/meta-data", "must not point to a private")]
    [InlineData("https://100.64.0.1/hook", "must not point to a private")]
    [InlineData("https://127.0.0.2/hook", "must not point to a private")]
    [InlineData("https://[::1]/hook", "must not point to a private")]
    [InlineData("https://[fd00::1]/hook", "must not point to a private")]
    [InlineData("https://[::ffff:10.0.0.1]/hook", "must not point to a private")]
    [InlineData("https://localhost/hook", "must not point to this machine")]
    [InlineData("https://user:pw@hooks.example.com/", "must not carry credentials")]
    [InlineData("https://hooks.example.com/#x", "must not have a #fragment")]
    [InlineData("ftp://hooks.example.com/", "must be an absolute https:// URL")]
    [InlineData("/relative", "must be an absolute https:// URL")]
    public void Only_https_urls_to_public_addresses_are_accepted_unless_the_host_is_allow_listed(string url, string? expected)
    {
        var problem = Policy.Problem(url);
        if (expected is null)
            Assert.Null(problem);
        else
            Assert.StartsWith(expected, problem);
    }

    [Theory]
    [InlineData("93.184.215.14", true)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.251", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:192.168.1.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    public void Resolved_addresses_are_judged_by_the_same_rule(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Retries_back_off_exponentially_up_to_the_cap_and_stop_after_the_last_attempt()
    {
        var schedule = DeliverySchedule.Default;
        Assert.Null(schedule.Problem);
        var delays = Enumerable.Range(1, 8).Select(schedule.DelayAfter).ToArray();
        Assert.Equal(
            new TimeSpan?[]
            {
                TimeSpan.FromSeconds(30),
                TimeSpan.FromMinutes(2),
                TimeSpan.FromMinutes(8),
                TimeSpan.FromMinutes(32),
                TimeSpan.FromMinutes(128),
                TimeSpan.FromHours(6),
                TimeSpan.FromHours(6),
                null,
            },
            delays
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayAfter(0));
        Assert.NotNull((schedule with { Factor = 0.5 }).Problem);
        Assert.NotNull((schedule with { MaxAttempts = 0 }).Problem);
        Assert.NotNull((schedule with { FirstRetry = TimeSpan.Zero }).Problem);
    }

    private static RegisterWebhookSubscription Registration(
        string? url = "https://hooks.example.com/governance",
        IReadOnlyList<string?>? types = null,
        string? secret = Secret
    ) => new("webhook-1", url, types ?? [WebhookEventTypes.DeploymentRefused, WebhookEventTypes.ApprovalGranted], secret, "CI", null);

    [Fact]
    public void An_admin_registers_a_subscription_and_the_event_records_the_secrets_fingerprint_never_the_secret()
    {
        var registered = WebhookDecisions.Decide(Registration(), null, Policy, Ctx(AdminAnn, Day(1)));

        Assert.Equal(
            Json(
                new WebhookSubscriptionRegistered(
                    "webhook-1",
                    "https://hooks.example.com/governance",
                    [WebhookEventTypes.ApprovalGranted, WebhookEventTypes.DeploymentRefused],
                    WebhookSignature.Fingerprint(Convert.FromBase64String(Secret["whsec_".Length..])),
                    "CI",
                    Ctx(AdminAnn, Day(1)).Audit("Webhook subscription registered")
                )
            ),
            Json(registered)
        );
        Assert.DoesNotContain(Secret["whsec_".Length..], Json(registered));
    }

    [Fact]
    public void Every_bad_field_is_named_and_nothing_is_decided()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            WebhookDecisions.Decide(
                Registration("http://hooks.example.com/", ["org.governance.approval.granted", "approval.granted", null], "whsec_x"),
                null,
                Policy,
                Ctx(AdminAnn, Day(1))
            )
        );
        Assert.Equal("invalid_input", refused.Code);
        Assert.Equal(new[] { "eventTypes[1]", "eventTypes[2]", "secret", "url" }, refused.FieldErrors.Keys.Order(StringComparer.Ordinal));
        var empty = Assert.Throws<GovernanceRuleException>(() =>
            WebhookDecisions.Decide(Registration(types: []), null, Policy, Ctx(AdminAnn, Day(1)))
        );
        Assert.Equal(new[] { "eventTypes" }, empty.FieldErrors.Keys);
    }

    [Fact]
    public void Only_an_admin_manages_subscriptions_and_a_removed_one_cannot_be_rotated_or_removed_again()
    {
        var forbidden = Assert.Throws<GovernanceRuleException>(() => WebhookDecisions.Decide(Registration(), null, Policy, Ctx(Owner)));
        Assert.Equal((RuleKind.Forbidden, "webhook.admin_only"), (forbidden.Kind, forbidden.Code));

        var subscription = WebhookSubscription.Evolve(null, WebhookDecisions.Decide(Registration(), null, Policy, Ctx(AdminAnn, Day(1))));
        var rotated = WebhookDecisions.Decide(
            new RotateWebhookSecret("whsec_" + Convert.ToBase64String(new byte[32]), null),
            subscription,
            Ctx(AdminAnn, Day(2))
        );
        Assert.Equal(WebhookSignature.Fingerprint(new byte[32]), rotated.SecretFingerprint);
        var removed = WebhookSubscription.Evolve(
            subscription,
            WebhookDecisions.Decide(new RemoveWebhookSubscription("no longer used"), subscription, Ctx(AdminAnn, Day(3)))
        );
        Assert.False(removed!.Active);
        var again = Assert.Throws<GovernanceRuleException>(() =>
            WebhookDecisions.Decide(new RemoveWebhookSubscription(null), removed, Ctx(AdminAnn, Day(4)))
        );
        Assert.Equal((RuleKind.NotFound, "webhook.not_found"), (again.Kind, again.Code));
    }

    /// <summary>Events compare whole, through their JSON, so lists inside them compare by content.</summary>
    private static string Json(object e) => System.Text.Json.JsonSerializer.Serialize(e, e.GetType());
}
