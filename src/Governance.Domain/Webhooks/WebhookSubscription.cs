using Governance.Domain.Shared;

namespace Governance.Domain.Webhooks;

/// <summary>An admin registered a webhook subscription. The secret itself is never in the ledger (events are immutable and
/// sealed): only its fingerprint; the secret is kept encrypted outside the event store.</summary>
/// <param name="SubscriptionId"><c>webhook-</c> and a UUID, assigned by the ledger.</param>
/// <param name="EventTypes">CloudEvents types subscribed to (<see cref="WebhookEventTypes"/>).</param>
/// <param name="SecretFingerprint">See <see cref="WebhookSignature.Fingerprint"/>.</param>
public sealed record WebhookSubscriptionRegistered(
    string SubscriptionId,
    string Url,
    IReadOnlyList<string> EventTypes,
    string SecretFingerprint,
    string? Description,
    Audit Audit
) : ILedgerEvent;

/// <summary>The subscription's signing secret was replaced; deliveries from now on are signed with the new one.</summary>
public sealed record WebhookSecretRotated(string SubscriptionId, string SecretFingerprint, Audit Audit) : ILedgerEvent;

/// <summary>The subscription was removed: nothing more is sent to it, and its pending deliveries are dropped.</summary>
public sealed record WebhookSubscriptionRemoved(string SubscriptionId, Audit Audit) : ILedgerEvent;

/// <summary>A webhook subscription, folded from its own stream.</summary>
public sealed record WebhookSubscription
{
    public required string Id { get; init; }
    public required string Url { get; init; }
    public required IReadOnlyList<string> EventTypes { get; init; }
    public required string SecretFingerprint { get; init; }
    public string? Description { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
    public required Actor RegisteredBy { get; init; }
    public DateTimeOffset? RemovedAt { get; init; }

    /// <summary>Not removed: events are delivered to it.</summary>
    public bool Active => RemovedAt is null;

    /// <summary>The stream of one subscription is its id, so the document's id is the subscription's.</summary>
    public static string StreamKey(string subscriptionId) => subscriptionId;

    public static WebhookSubscription? Evolve(WebhookSubscription? state, object @event) =>
        @event switch
        {
            WebhookSubscriptionRegistered e => new WebhookSubscription
            {
                Id = e.SubscriptionId,
                Url = e.Url,
                EventTypes = e.EventTypes,
                SecretFingerprint = e.SecretFingerprint,
                Description = e.Description,
                RegisteredAt = e.Audit.At,
                RegisteredBy = e.Audit.Actor,
            },
            WebhookSecretRotated e when state is not null => state with { SecretFingerprint = e.SecretFingerprint },
            WebhookSubscriptionRemoved e when state is not null => state with { RemovedAt = e.Audit.At },
            _ => state,
        };
}
