using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Webhooks;

/// <summary>The subscriptions register, inline: one document per subscription stream.</summary>
public sealed class WebhookSubscriptionProjection : SingleStreamProjection<WebhookSubscription, string>
{
    public WebhookSubscriptionProjection()
    {
        IncludeType<WebhookSubscriptionRegistered>();
        IncludeType<WebhookSecretRotated>();
        IncludeType<WebhookSubscriptionRemoved>();
    }

    public override WebhookSubscription? Evolve(WebhookSubscription? snapshot, string id, IEvent e) =>
        WebhookSubscription.Evolve(snapshot, e.Data);
}

/// <summary>
/// Webhook subscriptions, managed by admins through the one write path: each on a stream of its own (<c>webhook-{uuid}</c>);
/// the signing secret is encrypted (<see cref="WebhookSecretKey"/>) into a mutable row committed in the same transaction as the
/// event, which records only its fingerprint. Also the delivery log and the test ping.
/// </summary>
public sealed class WebhookSubscriptions(IDocumentStore store, LedgerWriter writer, WebhookOptions options, TimeProvider clock)
{
    /// <summary>Only admins manage subscriptions.</summary>
    public static readonly IReadOnlyList<string> ManageRoles = [Roles.Admin];

    /// <summary>Registers a subscription under a new id.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields (url, eventTypes, secret, description, reason); forbidden.</exception>
    public Task<Written<WebhookSubscription>> RegisterAsync(
        Func<string, RegisterWebhookSubscription> command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var registration = command($"webhook-{Guid.CreateVersion7(clock.GetUtcNow())}");
        return DecideAsync(
            registration.SubscriptionId,
            call,
            write =>
            {
                write.Append(WebhookDecisions.Decide(registration, write.Before, options.Policy, write.Context));
                write.StoreAlongside(Sealed(registration.SubscriptionId, registration.Secret));
            },
            ct
        );
    }

    /// <summary>Replaces the subscription's signing secret.</summary>
    /// <exception cref="GovernanceRuleException">Invalid secret or reason; not found; forbidden.</exception>
    public Task<Written<WebhookSubscription>> RotateSecretAsync(
        string subscriptionId,
        RotateWebhookSecret command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            subscriptionId,
            call,
            write =>
            {
                write.Append(WebhookDecisions.Decide(command, write.Before, write.Context));
                write.StoreAlongside(Sealed(subscriptionId, command.Secret));
            },
            ct
        );

    /// <summary>Removes the subscription: its secret is deleted and its pending deliveries are dropped by the dispatcher.</summary>
    /// <exception cref="GovernanceRuleException">Invalid reason; not found; forbidden.</exception>
    public Task<Written<WebhookSubscription>> RemoveAsync(
        string subscriptionId,
        RemoveWebhookSubscription command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            subscriptionId,
            call,
            write =>
            {
                write.Append(WebhookDecisions.Decide(command, write.Before, write.Context));
                write.DeleteAlongside<StoredWebhookSecret>(subscriptionId);
            },
            ct
        );

    /// <summary>One admin command on a subscription's stream: <paramref name="decide"/> appends its event and stages the secret's
    /// row (only after the decider accepted the secret); an idempotent retry gets the stored answer.</summary>
    private async Task<Written<WebhookSubscription>> DecideAsync(
        string subscriptionId,
        CommandCall call,
        Action<StreamWrite<WebhookSubscription>> decide,
        CancellationToken ct
    )
    {
        await using var write = await writer.BeginAsync<WebhookSubscription>(
            WebhookSubscription.StreamKey(subscriptionId),
            WebhookSubscription.Evolve,
            call,
            ManageRoles,
            ct
        );
        if (write.IsReplay)
            return write.Replay<WebhookSubscription>();
        decide(write);
        return await write.CommitAsync(write.After!, ct);
    }

    /// <summary>The encrypted row of a secret the decider has accepted.</summary>
    private StoredWebhookSecret Sealed(string subscriptionId, string? secret) =>
        options.SecretKey.Seal(subscriptionId, WebhookSignature.ParseSecret(secret, out _)!);

    /// <summary>Every subscription, newest first (removed ones only with <paramref name="includeRemoved"/>).</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(bool includeRemoved, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var query = session.Query<WebhookSubscription>().AsQueryable();
        if (!includeRemoved)
            query = query.Where(s => s.RemovedAt == null);
        return await query.OrderByDescending(s => s.RegisteredAt).ToListAsync(ct);
    }

    /// <summary>One subscription, removed or not.</summary>
    /// <exception cref="GovernanceRuleException">NotFound (<c>webhook.not_found</c>).</exception>
    public async Task<WebhookSubscription> GetAsync(string subscriptionId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<WebhookSubscription>(subscriptionId, ct)
            ?? throw GovernanceRuleException.NotFound("webhook.not_found", $"There is no webhook subscription '{subscriptionId}'.");
    }

    /// <summary>The subscription's delivery log, newest first, at most <paramref name="limit"/> entries (1-500).</summary>
    /// <exception cref="GovernanceRuleException">NotFound; invalid limit.</exception>
    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string subscriptionId, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > 500)
            throw GovernanceRuleException.InvalidField("limit", "must be from 1 to 500");
        _ = await GetAsync(subscriptionId, ct);
        await using var session = store.QuerySession();
        return await session
            .Query<WebhookDelivery>()
            .Where(d => d.SubscriptionId == subscriptionId)
            .OrderByDescending(d => d.CreatedAt)
            .Take(limit)
            .ToListAsync(ct);
    }

    /// <summary>Queues a test message (<see cref="WebhookEventTypes.Ping"/>) to the subscription, delivered, signed and retried
    /// like any other; its outcome shows in the delivery log. Not a ledger fact: nothing is recorded in the event store.</summary>
    /// <exception cref="GovernanceRuleException">NotFound, or removed.</exception>
    public async Task<WebhookDelivery> PingAsync(string subscriptionId, CancellationToken ct)
    {
        var subscription = WebhookDecisions.Require(await GetAsync(subscriptionId, ct));
        var now = clock.GetUtcNow();
        var id = $"ping-{Guid.CreateVersion7(now)}";
        var data = JsonSerializer.Serialize(new { subscriptionId = subscription.Id, url = subscription.Url }, LedgerJson.Options);
        var delivery = NewDelivery(
            subscription.Id,
            new WebhookOutboxMessage(Guid.Empty, WebhookEventTypes.Ping, subscription.Id, now, data),
            id,
            now
        );
        await using var session = store.LightweightSession();
        session.Insert(delivery);
        await session.SaveChangesAsync(ct);
        return delivery;
    }

    /// <summary>A pending delivery of <paramref name="message"/> to a subscription, its CloudEvents body encoded once.</summary>
    internal WebhookDelivery NewDelivery(string subscriptionId, WebhookOutboxMessage message, string messageId, DateTimeOffset now) =>
        new(
            WebhookDelivery.IdOf(subscriptionId, messageId),
            subscriptionId,
            messageId,
            message.Type,
            Encode(messageId, message, options.Source),
            now,
            WebhookDeliveryStatus.Pending,
            now,
            []
        );

    /// <summary>The CloudEvents 1.0 structured-mode JSON of a message (CloudEvents JSON Event Format 1.0), with the
    /// <c>CloudNative.CloudEvents</c> formatter: <c>id</c>, <c>source</c>, <c>type</c>, <c>subject</c> (the ledger stream),
    /// <c>time</c>, <c>datacontenttype</c> application/json and the event as stored in <c>data</c>.</summary>
    public static string Encode(string id, WebhookOutboxMessage message, Uri source)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = id,
            Source = source,
            Type = message.Type,
            Subject = message.Subject,
            Time = message.Time,
            DataContentType = "application/json",
            Data = JsonDocument.Parse(message.DataJson).RootElement.Clone(),
        };
        var encoded = new JsonEventFormatter().EncodeStructuredModeMessage(cloudEvent, out _);
        return Encoding.UTF8.GetString(encoded.Span);
    }
}
