namespace Governance.Ledger.Webhooks;

/// <summary>Where a delivery stands.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Not yet accepted by the receiver: due at <see cref="WebhookDelivery.NextAttemptAt"/>.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt of the schedule failed; nothing more is tried.</summary>
    Failed,

    /// <summary>The subscription was removed before the message was accepted.</summary>
    Dropped,
}

/// <summary>One attempt to post a message.</summary>
/// <param name="StatusCode">The receiver's HTTP status, or null when no answer came (connection refused, timeout, refused
/// address).</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="DurationMs">From sending to the answer or the failure, in milliseconds.</param>
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

/// <summary>
/// One message to one subscription, with its attempts: the subscription's delivery log. The body is encoded once, when the
/// delivery is created, so every retry posts the same bytes under the same <c>webhook-id</c>; only the timestamp and the
/// signature change per attempt.
/// </summary>
/// <param name="Id"><c>{subscriptionId}/{messageId}</c>: one delivery per message and subscription, however often the outbox is
/// fanned out.</param>
/// <param name="MessageId">The CloudEvents id and <c>webhook-id</c>: the ledger event's id (or a ping's own id).</param>
/// <param name="Body">The CloudEvents 1.0 structured-mode JSON posted.</param>
public sealed record WebhookDelivery(
    string Id,
    string SubscriptionId,
    string MessageId,
    string Type,
    string Body,
    DateTimeOffset CreatedAt,
    WebhookDeliveryStatus Status,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<WebhookAttempt> Attempts
)
{
    public static string IdOf(string subscriptionId, string messageId) => $"{subscriptionId}/{messageId}";
}
