using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// Webhooks in the API process with a real HTTP receiver on 127.0.0.1 (allow-listed by <see cref="LedgerApp"/>): registration
/// refuses bad input naming the field and storing nothing; a ledger event reaches the receiver as a signed CloudEvent whose id
/// is the event's, retried after a failure with the same id; the ledger keeps only the secret's fingerprint; the ping and the
/// delivery log. The crash in mid-delivery is <see cref="WebhookCrashTests"/>.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class WebhookEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);
    private readonly HttpClient _admin = app.As("admin-ann", Roles.Admin);

    /// <summary>A fresh Standard Webhooks secret: whsec_ and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Registration_refuses_bad_input_naming_the_field_and_stores_nothing()
    {
        var receiver = "http://127.0.0.1:9/hook";
        var before = await app.EventCount();
        var cases = new (object Body, string Field)[]
        {
            (
                new
                {
                    url = "http://hooks.example.com/x",
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = NewSecret(),
                },
                "url"
            ),
            (
                new
                {
                    url = "https://10.0.0.7/x",
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = NewSecret(),
                },
                "url"
            ),
            (
                new
                {
                    url = "https://169.254.169.254/",
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = NewSecret(),
                },
                "url"
            ),
            (
                new
                {
                    url = receiver,
                    eventTypes = Array.Empty<string>(),
                    secret = NewSecret(),
                },
                "eventTypes"
            ),
            (
                new
                {
                    url = receiver,
                    eventTypes = new[] { "approval.granted" },
                    secret = NewSecret(),
                },
                "eventTypes[0]"
            ),
            (new { url = receiver, eventTypes = new[] { WebhookEventTypes.ApprovalGranted } }, "secret"),
            (
                new
                {
                    url = receiver,
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = "hunter2",
                },
                "secret"
            ),
            (
                new
                {
                    url = receiver + "\u0000",
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = NewSecret(),
                },
                "url"
            ),
        };
        foreach (var (body, field) in cases)
        {
            var problem = await _admin.PostAsJsonAsync("/api/v1/webhooks", body).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }
        await _admin
            .PostAsJsonAsync(
                "/api/v1/webhooks",
                new
                {
                    url = receiver,
                    eventTypes = new[] { WebhookEventTypes.ApprovalGranted },
                    secret = NewSecret(),
                    sneaky = 1,
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(before, await app.EventCount());
        Assert.Equal(
            0L,
            await Scalar<long>(
                "select count(*) from governance.mt_doc_storedwebhooksecret s where not exists "
                    + "(select 1 from governance.mt_events e where e.stream_id = s.id)"
            )
        );
    }

    [Fact]
    public async Task A_refused_deployment_reaches_the_receiver_signed_as_a_cloudevent_with_the_events_id_and_a_failure_is_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = NewSecret();
        var calls = 0;
        receiver.Answer = (_, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? 503 : 204);
        var subscription = await _admin
            .PostAsJsonAsync(
                "/api/v1/webhooks",
                new
                {
                    url = receiver.Url,
                    eventTypes = new[] { WebhookEventTypes.DeploymentRefused },
                    secret,
                    description = "CI",
                }
            )
            .Expect(HttpStatusCode.Created);
        var subscriptionId = subscription.GetProperty("id").GetString()!;
        try
        {
            // The ledger keeps the secret's fingerprint; neither the event nor the encrypted row holds the secret.
            var key = Convert.FromBase64String(secret["whsec_".Length..]);
            Assert.Equal(WebhookSignature.Fingerprint(key), subscription.GetProperty("secretFingerprint").GetString());
            Assert.DoesNotContain(secret["whsec_".Length..], subscription.GetRawText());
            var stored = await Scalar<string>(
                "select string_agg(data::text, ' ') from governance.mt_events where stream_id = @id",
                subscriptionId
            );
            Assert.Contains(WebhookSignature.Fingerprint(key), stored);
            Assert.DoesNotContain(secret["whsec_".Length..], stored);
            var row = await Scalar<string>("select data::text from governance.mt_doc_storedwebhooksecret where id = @id", subscriptionId);
            Assert.DoesNotContain(secret["whsec_".Length..], row);

            var modelId = await _ledger.RegisterModel(Scenario.NewId());
            var digest = await _ledger.RegisterVersion(modelId);
            await _ledger.Deploy(modelId, digest, run: "rogue-7").ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");
            var eventId = await Scalar<Guid>(
                "select id from governance.mt_events where stream_id = @id and type = 'deployment_refused'",
                $"{modelId}@1.0.0"
            );

            bool Ours(JsonElement e) => e.GetProperty("subject").GetString() == $"{modelId}@1.0.0";
            var first = await receiver.NextAsync(Ours, TimeSpan.FromSeconds(60));
            var retry = await receiver.NextAsync(Ours, TimeSpan.FromSeconds(60));

            Assert.Equal(eventId.ToString(), first.Id);
            Assert.Equal(first.Id, retry.Id);
            Assert.Equal(first.Body, retry.Body);
            Assert.StartsWith("application/cloudevents+json", first.ContentType);
            var now = app.Clock.GetUtcNow().ToUnixTimeSeconds();
            foreach (var received in new[] { first, retry })
                Assert.Equal(eventId.ToString(), (await received.VerifiedByPythonAsync(secret, now)).GetProperty("id").GetString());
            await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => first.VerifiedByPythonAsync(NewSecret(), now));

            var cloudEvent = first.CloudEvent;
            Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
            Assert.Equal(WebhookEventTypes.DeploymentRefused, cloudEvent.GetProperty("type").GetString());
            Assert.Equal(eventId.ToString(), cloudEvent.GetProperty("id").GetString());
            Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
            Assert.Equal("rogue-7", cloudEvent.GetProperty("data").GetProperty("pipelineRunId").GetString());
            Assert.Equal(
                "no_approval_for_environment",
                cloudEvent.GetProperty("data").GetProperty("reasons")[0].GetProperty("code").GetString()
            );

            var log = await WaitForDeliveryAsync(subscriptionId, eventId.ToString(), "Delivered");
            var attempts = log.GetProperty("attempts").EnumerateArray().ToArray();
            Assert.Equal(new[] { 503, 204 }, attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
            Assert.Contains("503", attempts[0].GetProperty("error").GetString());
            Assert.True(
                attempts[1].GetProperty("at").GetDateTimeOffset() - attempts[0].GetProperty("at").GetDateTimeOffset()
                    >= TimeSpan.FromSeconds(0.5)
            );
        }
        finally
        {
            await _admin
                .PostAsJsonAsync($"/api/v1/webhooks/{subscriptionId}/remove", new { reason = "test over" })
                .Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_ping_is_delivered_signed_and_logged_and_a_removed_subscription_gets_nothing_more()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = NewSecret();
        var subscriptionId = (
            await _admin
                .PostAsJsonAsync(
                    "/api/v1/webhooks",
                    new
                    {
                        url = receiver.Url,
                        eventTypes = new[] { WebhookEventTypes.IncidentRecorded },
                        secret,
                    }
                )
                .Expect(HttpStatusCode.Created)
        ).GetProperty("id").GetString()!;
        var ping = await _admin.PostAsync($"/api/v1/webhooks/{subscriptionId}/ping", null).Expect(HttpStatusCode.Accepted);
        var received = await receiver.NextAsync(e => e.GetProperty("type").GetString() == WebhookEventTypes.Ping, TimeSpan.FromSeconds(60));
        Assert.Equal(ping.GetProperty("messageId").GetString(), received.Id);
        Assert.Equal(subscriptionId, received.CloudEvent.GetProperty("data").GetProperty("subscriptionId").GetString());
        await received.VerifiedByPythonAsync(secret, app.Clock.GetUtcNow().ToUnixTimeSeconds());
        await WaitForDeliveryAsync(subscriptionId, received.Id!, "Delivered");

        var listed = await _admin.GetAsync("/api/v1/webhooks").Expect(HttpStatusCode.OK);
        Assert.Contains(subscriptionId, listed.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        await _admin.PostAsJsonAsync($"/api/v1/webhooks/{subscriptionId}/remove", new { reason = "done" }).Expect(HttpStatusCode.OK);
        await _admin.PostAsync($"/api/v1/webhooks/{subscriptionId}/ping", null).ExpectProblem(HttpStatusCode.NotFound, "webhook.not_found");
        Assert.Equal(0L, await Scalar<long>("select count(*) from governance.mt_doc_storedwebhooksecret where id = @id", subscriptionId));
        listed = await _admin.GetAsync("/api/v1/webhooks").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(subscriptionId, listed.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    /// <summary>Polls the subscription's delivery log until the message's delivery has <paramref name="status"/>.</summary>
    private async Task<JsonElement> WaitForDeliveryAsync(string subscriptionId, string messageId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var log = await _admin.GetAsync($"/api/v1/webhooks/{subscriptionId}/deliveries").Expect(HttpStatusCode.OK);
            var entry = log.EnumerateArray().FirstOrDefault(d => d.GetProperty("messageId").GetString() == messageId);
            if (entry.ValueKind != JsonValueKind.Undefined && entry.GetProperty("status").GetString() == status)
                return entry;
            Assert.True(DateTime.UtcNow < deadline, $"delivery {messageId} never became {status}: {log}");
            await Task.Delay(200);
        }
    }

    private async Task<T> Scalar<T>(string sql, string? id = null)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is not null)
            command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
