using Governance.Domain.Webhooks;

namespace Governance.Ledger.Webhooks;

/// <summary>How this process handles webhooks.</summary>
/// <param name="Policy">Where subscriptions may point (the allow-list of hosts exempt from the HTTPS and public-address rule).</param>
/// <param name="Source">The CloudEvents <c>source</c> of every message: this ledger's public URL.</param>
/// <param name="SecretKey">Encrypts subscriptions' signing secrets at rest.</param>
/// <param name="Deliver">Whether this process stands for leadership of the delivery work (one process delivers at a time);
/// false for a process that must never call out. Commands write outbox rows either way.</param>
public sealed record WebhookOptions(WebhookUrlPolicy Policy, Uri Source, WebhookSecretKey SecretKey, bool Deliver)
{
    public DeliverySchedule Schedule { get; init; } = DeliverySchedule.Default;

    /// <summary>How often the leader looks for new outbox rows and due deliveries. Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take, connection to answer. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many deliveries are attempted at once.</summary>
    public int Concurrency { get; init; } = 8;
}
