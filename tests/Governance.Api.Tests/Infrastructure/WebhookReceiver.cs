using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>One request as a webhook receiver got it: the Standard Webhooks headers and the raw body.</summary>
public sealed record ReceivedWebhook(string? Id, string? Timestamp, string? Signature, string? ContentType, string? UserAgent, byte[] Body)
{
    public JsonElement CloudEvent => JsonDocument.Parse(Body).RootElement;

    /// <summary>Verifies the message with docs/webhook_receiver.py (Python's hmac, written from the specification, not from the
    /// product's code) and returns what it printed, or throws with its refusal.</summary>
    /// <param name="now">The receiver's clock, Unix seconds (null: the machine's).</param>
    public async Task<JsonElement> VerifiedByPythonAsync(string secret, long? now = null)
    {
        var script = Path.Combine(Programs.RepositoryRoot(), "docs", "webhook_receiver.py");
        using var python = Process.Start(
            new ProcessStartInfo("/usr/bin/python3", [script, "--check"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }
        )!;
        await python.StandardInput.WriteAsync(
            JsonSerializer.Serialize(
                new
                {
                    secret,
                    headers = new Dictionary<string, string?>
                    {
                        ["webhook-id"] = Id,
                        ["webhook-timestamp"] = Timestamp,
                        ["webhook-signature"] = Signature,
                    },
                    body_base64 = Convert.ToBase64String(Body),
                    now,
                }
            )
        );
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"docs/webhook_receiver.py refused message {Id}: {error}");
        return JsonDocument.Parse(output).RootElement;
    }
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, an ephemeral port): every request to <c>/hook</c> is queued in
/// order as soon as its body is read (<see cref="NextAsync"/>), then answered with what <see cref="Answer"/> returns, which may also hold
/// the request open (to kill the sender mid-delivery).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedWebhook> _requests = Channel.CreateUnbounded<ReceivedWebhook>();

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Decides each answer's status; given the request and a token cancelled when the sender goes away.</summary>
    public Func<ReceivedWebhook, CancellationToken, Task<int>> Answer { get; set; } = (_, _) => Task.FromResult(204);

    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost(
            "/hook",
            async (HttpContext http) =>
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body, http.RequestAborted);
                var received = new ReceivedWebhook(
                    http.Request.Headers["webhook-id"],
                    http.Request.Headers["webhook-timestamp"],
                    http.Request.Headers["webhook-signature"],
                    http.Request.ContentType,
                    http.Request.Headers.UserAgent,
                    body.ToArray()
                );
                await receiver._requests.Writer.WriteAsync(received);
                try
                {
                    http.Response.StatusCode = await receiver.Answer(received, http.RequestAborted);
                }
                catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested) { }
            }
        );
        await app.StartAsync();
        receiver.Url =
            app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/hook";
        return receiver;
    }

    /// <summary>The next request whose CloudEvent satisfies <paramref name="match"/> (others are skipped), within
    /// <paramref name="timeout"/>.</summary>
    public async Task<ReceivedWebhook> NextAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var received = await _requests.Reader.ReadAsync(cts.Token);
                if (match(received.CloudEvent))
                    return received;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching webhook within {timeout}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
