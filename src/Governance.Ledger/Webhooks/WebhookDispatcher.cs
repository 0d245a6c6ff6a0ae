using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Governance.Domain.Webhooks;
using Governance.Ledger.Coordination;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Governance.Ledger.Webhooks;

/// <summary>
/// Delivers webhooks from the outbox, in exactly one process at a time (<see cref="LeaderElection"/>): it fans each
/// <see cref="WebhookOutboxMessage"/> out into one <see cref="WebhookDelivery"/> per subscription of its type (registered by the
/// event's time), then posts each due delivery, signed (<see cref="WebhookSignature"/>), and records the attempt. Delivery is at
/// least once: an attempt whose outcome was not recorded (the process died, leadership was lost) is made again, by the next
/// leader, with the same <c>webhook-id</c>; a failure is retried on the <see cref="DeliverySchedule"/>. Every write checks, in its
/// own transaction, that this process still leads. Connections go only to addresses the <see cref="WebhookUrlPolicy"/> allows,
/// checked after name resolution, and redirects are not followed.
/// </summary>
public sealed class WebhookDispatcher(
    IDocumentStore store,
    WebhookSubscriptions subscriptions,
    WebhookOptions options,
    LedgerOptions ledger,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger
) : BackgroundService
{
    /// <summary>The leader election's advisory lock key: the first eight bytes of SHA-256("governance.webhooks.delivery").</summary>
    public const long LockKey = 0x0584382bed4e7a1dL;

    /// <summary>The <c>User-Agent</c> of every delivery.</summary>
    public const string UserAgent = "Governance-Webhooks/1.0";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Deliver
            ? new LeaderElection(ledger.ConnectionString, LockKey, options.PollInterval, clock, logger).RunAsync(LeadAsync, stoppingToken)
            : Task.CompletedTask;

    private async Task LeadAsync(Leadership leadership, CancellationToken ct)
    {
        using var http = CreateClient();
        while (true)
        {
            var fannedOut = await FanOutAsync(leadership, ct);
            var attempted = await DeliverDueAsync(leadership, http, ct);
            if (fannedOut + attempted == 0)
                await Task.Delay(options.PollInterval, clock, ct);
        }
    }

    /// <summary>Turns up to 100 outbox rows into deliveries, deleting the rows in the same transaction.</summary>
    /// <returns>How many outbox rows were fanned out.</returns>
    private async Task<int> FanOutAsync(Leadership leadership, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var messages = await session.Query<WebhookOutboxMessage>().OrderBy(m => m.Time).ThenBy(m => m.Id).Take(100).ToListAsync(ct);
        if (messages.Count == 0)
            return 0;
        await session.BeginTransactionAsync(ct);
        await leadership.EnsureHeldAsync(session, ct);
        var active = await session.Query<WebhookSubscription>().Where(s => s.RemovedAt == null).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var message in messages)
        {
            foreach (var subscription in active.Where(s => s.RegisteredAt <= message.Time && s.EventTypes.Contains(message.Type)))
                session.Insert(subscriptions.NewDelivery(subscription.Id, message, message.Id.ToString(), now));
            session.Delete(message);
        }
        await session.SaveChangesAsync(ct);
        return messages.Count;
    }

    /// <summary>Attempts the deliveries that are due, several at once.</summary>
    /// <returns>How many were attempted.</returns>
    private async Task<int> DeliverDueAsync(Leadership leadership, HttpClient http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<WebhookDelivery> due;
        await using (var query = store.QuerySession())
            due = await query
                .Query<WebhookDelivery>()
                .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now)
                .OrderBy(d => d.NextAttemptAt)
                .Take(options.Concurrency * 4)
                .ToListAsync(ct);
        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
            (delivery, token) => new ValueTask(DeliverAsync(leadership, http, delivery, token))
        );
        return due.Count;
    }

    private async Task DeliverAsync(Leadership leadership, HttpClient http, WebhookDelivery delivery, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var subscription = await session.LoadAsync<WebhookSubscription>(delivery.SubscriptionId, ct);
        WebhookDelivery outcome;
        if (subscription is not { Active: true })
            outcome = delivery with { Status = WebhookDeliveryStatus.Dropped, NextAttemptAt = null };
        else
        {
            var attempt = await AttemptAsync(
                http,
                subscription,
                delivery,
                await session.LoadAsync<StoredWebhookSecret>(subscription.Id, ct),
                ct
            );
            IReadOnlyList<WebhookAttempt> attempts = [.. delivery.Attempts, attempt];
            outcome =
                attempt.Error is null
                    ? delivery with
                    {
                        Status = WebhookDeliveryStatus.Delivered,
                        NextAttemptAt = null,
                        Attempts = attempts,
                    }
                : options.Schedule.DelayAfter(attempts.Count) is { } delay
                    ? delivery with
                    {
                        NextAttemptAt = attempt.At + delay,
                        Attempts = attempts,
                    }
                : delivery with { Status = WebhookDeliveryStatus.Failed, NextAttemptAt = null, Attempts = attempts };
            if (attempt.Error is not null)
                logger.LogWarning(
                    "Webhook {MessageId} to {Subscription} failed (attempt {Attempt}): {Error}",
                    delivery.MessageId,
                    subscription.Id,
                    attempts.Count,
                    attempt.Error
                );
        }
        // The outcome is recorded only while this process still leads; otherwise the next leader attempts the delivery again.
        await session.BeginTransactionAsync(ct);
        await leadership.EnsureHeldAsync(session, ct);
        session.Store(outcome);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>One signed POST. Never sends a message it cannot sign: a missing or undecryptable secret is a failed attempt.</summary>
    private async Task<WebhookAttempt> AttemptAsync(
        HttpClient http,
        WebhookSubscription subscription,
        WebhookDelivery delivery,
        StoredWebhookSecret? secret,
        CancellationToken ct
    )
    {
        var at = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        long Elapsed() => (long)clock.GetElapsedTime(started).TotalMilliseconds;
        WebhookAttempt Failed(int? status, string error) => new(at, status, error, Elapsed());
        byte[] key;
        try
        {
            key = options.SecretKey.Open(secret ?? throw new InvalidOperationException($"No stored secret for {subscription.Id}."));
        }
        catch (InvalidOperationException e)
        {
            logger.LogError(e, "Cannot sign webhooks for {Subscription}", subscription.Id);
            return Failed(null, $"not sent: the signing secret is unavailable ({e.Message})");
        }
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.IdHeader, delivery.MessageId);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(key, delivery.MessageId, timestamp, body));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new WebhookAttempt(at, status, null, Elapsed())
                : Failed(status, $"the receiver answered {status} {response.ReasonPhrase}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(null, $"no answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return Failed(null, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
    }

    private HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            // A redirect could lead to an address the policy refuses: the receiver's URL must answer itself.
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        };
        var client = new HttpClient(handler) { Timeout = options.Timeout };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        return client;
    }

    /// <summary>Connects only to addresses the URL policy allows, after resolving the name (a public name that resolves to a
    /// private address is refused, whatever it resolved to when the subscription was registered).</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (!options.Policy.IsAllowListed(host))
            addresses = [.. addresses.Where(WebhookUrlPolicy.IsPublic)];
        if (addresses.Length == 0)
            throw new HttpRequestException($"{host} has no public address: private, loopback and reserved addresses are refused");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public static class WebhookSetup
{
    /// <summary>Webhook subscriptions, their delivery log and, where <see cref="WebhookOptions.Deliver"/>, the dispatcher (it works
    /// only while it leads, so every API process may run one). The outbox itself is part of
    /// <see cref="LedgerSetup.AddGovernanceLedger"/>, so every writer fills it.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, WebhookOptions options)
    {
        if (options.Schedule.Problem is { } problem)
            throw new InvalidOperationException($"The webhook retry schedule (Governance:Webhooks) is invalid: {problem}.");
        return services
            .AddSingleton(options)
            .AddSingleton<WebhookSubscriptions>()
            .AddSingleton<WebhookDispatcher>()
            .AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
    }
}
