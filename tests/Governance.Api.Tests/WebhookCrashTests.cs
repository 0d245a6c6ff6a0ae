using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>The host of <see cref="WebhookCrashTests"/>: its own database, and it never delivers (Governance:Webhooks:Deliver
/// false), so the separate API processes the test starts are the only ones that do.</summary>
public sealed class WebhookCrashApp : LedgerApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:Webhooks:Deliver", "false");
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookCrashCollection : ICollectionFixture<WebhookCrashApp>
{
    public const string Name = "webhook-crash";
}

/// <summary>
/// Nothing is lost when the delivering process dies: the API runs as a separate process (<c>dotnet Governance.Api.dll</c>), is
/// killed with SIGKILL after the receiver accepted its request and before the receiver answered, and a restarted API delivers
/// the message again, with the same id, signed.
/// </summary>
[Collection(WebhookCrashCollection.Name)]
public sealed class WebhookCrashTests(WebhookCrashApp app, ITestOutputHelper output)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task An_api_killed_mid_delivery_loses_nothing_and_the_restarted_api_redelivers_the_same_event_id_signed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var accepted = new TaskCompletionSource<ReceivedWebhook>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first request is accepted and held open, never answered: its sender is killed meanwhile.
        receiver.Answer = async (received, aborted) =>
        {
            if (accepted.TrySetResult(received))
                await Task.Delay(Timeout.Infinite, aborted);
            return 204;
        };
        var secret = WebhookEndpointTests.NewSecret();
        var admin = app.As("admin-ann", Roles.Admin);
        var subscriptionId = (
            await admin
                .PostAsJsonAsync(
                    "/api/v1/webhooks",
                    new
                    {
                        url = receiver.Url,
                        eventTypes = new[] { WebhookEventTypes.DeploymentRefused },
                        secret,
                    }
                )
                .Expect(HttpStatusCode.Created)
        ).GetProperty("id").GetString()!;
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Deploy(modelId, digest, run: "rogue-crash").ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");
        var eventId = (
            await ScalarAsync(
                "select id::text from governance.mt_events where stream_id = @id and type = 'deployment_refused'",
                $"{modelId}@1.0.0"
            )
        )!;
        // Committed with the event, in its transaction: the outbox row carries the event's id.
        Assert.Equal(
            eventId,
            await ScalarAsync("select id::text from governance.mt_doc_webhookoutboxmessage where id::text = @id", eventId)
        );

        var first = await RunApiUntilAsync("first", async () => await accepted.Task.WaitAsync(TimeSpan.FromSeconds(180)));
        Assert.Equal(eventId, first.Id);
        await first.VerifiedByPythonAsync(secret);
        // The killed process recorded no outcome: the delivery is still pending, its attempt unrecorded.
        var pending = await ScalarAsync("select data::text from governance.mt_doc_webhookdelivery where data->>'messageId' = @id", eventId);
        Assert.Contains("\"status\": \"Pending\"", pending);
        Assert.Contains("\"attempts\": []", pending);

        receiver.Answer = (_, _) => Task.FromResult(204);
        var again = await RunApiUntilAsync(
            "restarted",
            async () =>
            {
                var redelivered = await receiver.NextAsync(e => e.GetProperty("id").GetString() == eventId, TimeSpan.FromSeconds(180));
                await WaitForAsync(
                    "select data->>'status' from governance.mt_doc_webhookdelivery where data->>'messageId' = @id",
                    eventId,
                    "Delivered"
                );
                return redelivered;
            }
        );

        Assert.Equal(eventId, again.Id);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(eventId, (await again.VerifiedByPythonAsync(secret)).GetProperty("id").GetString());
        var log = await admin.GetAsync($"/api/v1/webhooks/{subscriptionId}/deliveries").Expect(HttpStatusCode.OK);
        var delivery = Assert.Single(log.EnumerateArray());
        Assert.Equal("Delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(204, Assert.Single(delivery.GetProperty("attempts").EnumerateArray()).GetProperty("statusCode").GetInt32());
        Assert.Equal("0", await ScalarAsync("select count(*)::text from governance.mt_doc_webhookoutboxmessage"));
    }

    /// <summary>Starts the API from its build output against this test's database, runs <paramref name="until"/>, then kills the
    /// process with SIGKILL (no shutdown code runs).</summary>
    private async Task<T> RunApiUntilAsync<T>(string name, Func<Task<T>> until)
    {
        var dll = ApiProcess.Dll();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["GOVERNANCE_DB"] = app.ConnectionString;
        start.Environment["Governance__DataFolder"] = app.DataFolder;
        start.Environment["Governance__Webhooks__AllowedHosts__0"] = "127.0.0.1";
        start.Environment["Governance__Webhooks__PollIntervalSeconds"] = "0.2";
        start.Environment["Governance__Reconciliation__IntervalSeconds"] = "0";
        var log = new StringBuilder();
        using var api = new Process { StartInfo = start };
        api.OutputDataReceived += (_, e) => Append(log, e.Data);
        api.ErrorDataReceived += (_, e) => Append(log, e.Data);
        api.Start();
        api.BeginOutputReadLine();
        api.BeginErrorReadLine();
        try
        {
            return await until();
        }
        catch
        {
            output.WriteLine($"API process '{name}' output:\n{log}");
            throw;
        }
        finally
        {
            // Process.Kill sends SIGKILL on Unix.
            api.Kill(entireProcessTree: true);
            await api.WaitForExitAsync();
        }
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
            lock (log)
                log.AppendLine(line);
    }

    private async Task WaitForAsync(string sql, string id, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ScalarAsync(sql, id) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sql} never gave {expected}");
            await Task.Delay(200);
        }
    }

    private async Task<string?> ScalarAsync(string sql, string? id = null)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is not null)
            command.Parameters.AddWithValue("id", id);
        return (string?)await command.ExecuteScalarAsync();
    }
}
