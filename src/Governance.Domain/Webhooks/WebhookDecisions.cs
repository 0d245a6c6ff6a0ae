using Governance.Domain.Shared;

namespace Governance.Domain.Webhooks;

/// <summary>Register a webhook subscription.</summary>
/// <param name="SubscriptionId">Assigned by the ledger (<c>webhook-</c> and a new UUID), not by the caller.</param>
/// <param name="Secret"><c>whsec_</c> and the base64 of 24-64 random bytes (<see cref="WebhookSignature"/>).</param>
public sealed record RegisterWebhookSubscription(
    string SubscriptionId,
    string? Url,
    IReadOnlyList<string?>? EventTypes,
    string? Secret,
    string? Description,
    string? Reason
);

/// <summary>Replace a subscription's signing secret.</summary>
public sealed record RotateWebhookSecret(string? Secret, string? Reason);

/// <summary>Remove a subscription.</summary>
public sealed record RemoveWebhookSubscription(string? Reason);

/// <summary>
/// Webhook subscriptions: only admins manage them (they decide where the ledger's facts are sent). A subscription names an
/// acceptable URL (<see cref="WebhookUrlPolicy"/>), at least one known event type, and a Standard Webhooks secret.
/// </summary>
public static class WebhookDecisions
{
    /// <summary>The most event types one subscription may list.</summary>
    public const int MaxEventTypes = 32;

    /// <exception cref="GovernanceRuleException">Invalid fields (named); forbidden to anyone but an admin; conflict when the id is
    /// taken.</exception>
    public static WebhookSubscriptionRegistered Decide(
        RegisterWebhookSubscription command,
        WebhookSubscription? existing,
        WebhookUrlPolicy policy,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Optional(command.Description, "description", 500)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .MaxItems(command.EventTypes, "eventTypes", MaxEventTypes);
        if (string.IsNullOrWhiteSpace(command.Url))
            check.Fail("url", "is required: the https:// URL events are posted to");
        else if (policy.Problem(command.Url) is { } urlProblem)
            check.Fail("url", urlProblem);
        if (command.EventTypes is not { Count: > 0 })
            check.Fail("eventTypes", $"must list at least one of: {string.Join(", ", WebhookEventTypes.All)}");
        else
            for (var i = 0; i < command.EventTypes.Count; i++)
                if (command.EventTypes[i] is not { } type || !WebhookEventTypes.All.Contains(type))
                    check.Fail($"eventTypes[{i}]", $"must be one of: {string.Join(", ", WebhookEventTypes.All)}");
        var key = WebhookSignature.ParseSecret(command.Secret, out var secretProblem);
        if (secretProblem is not null)
            check.Fail("secret", secretProblem);
        check.ThrowIfAny();
        EnsureAdmin(context.Actor);
        if (existing is not null)
            throw GovernanceRuleException.Conflict("webhook.already_registered", $"Subscription {command.SubscriptionId} exists.");
        return new WebhookSubscriptionRegistered(
            command.SubscriptionId,
            command.Url!,
            [.. command.EventTypes!.Distinct().Order(StringComparer.Ordinal)!],
            WebhookSignature.Fingerprint(key!),
            string.IsNullOrWhiteSpace(command.Description) ? null : command.Description.Trim(),
            context.Audit(string.IsNullOrWhiteSpace(command.Reason) ? "Webhook subscription registered" : command.Reason.Trim())
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid secret; not found or removed; forbidden to anyone but an admin.</exception>
    public static WebhookSecretRotated Decide(RotateWebhookSecret command, WebhookSubscription? subscription, CommandContext context)
    {
        var check = new InputCheck().Optional(command.Reason, "reason", 2000, multiline: true);
        var key = WebhookSignature.ParseSecret(command.Secret, out var secretProblem);
        if (secretProblem is not null)
            check.Fail("secret", secretProblem);
        check.ThrowIfAny();
        EnsureAdmin(context.Actor);
        var current = Require(subscription);
        return new WebhookSecretRotated(
            current.Id,
            WebhookSignature.Fingerprint(key!),
            context.Audit(string.IsNullOrWhiteSpace(command.Reason) ? "Webhook secret rotated" : command.Reason.Trim())
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid reason; not found or already removed; forbidden to anyone but an
    /// admin.</exception>
    public static WebhookSubscriptionRemoved Decide(
        RemoveWebhookSubscription command,
        WebhookSubscription? subscription,
        CommandContext context
    )
    {
        new InputCheck().Optional(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        EnsureAdmin(context.Actor);
        var current = Require(subscription);
        return new WebhookSubscriptionRemoved(
            current.Id,
            context.Audit(string.IsNullOrWhiteSpace(command.Reason) ? "Webhook subscription removed" : command.Reason.Trim())
        );
    }

    /// <summary>The subscription, unless it does not exist or was removed.</summary>
    /// <exception cref="GovernanceRuleException">NotFound (<c>webhook.not_found</c>).</exception>
    public static WebhookSubscription Require(WebhookSubscription? subscription) =>
        subscription is { Active: true }
            ? subscription
            : throw GovernanceRuleException.NotFound("webhook.not_found", "There is no such webhook subscription (or it was removed).");

    private static void EnsureAdmin(Actor actor)
    {
        if (actor.Role != Roles.Admin)
            throw GovernanceRuleException.Forbidden("webhook.admin_only", "Only an admin manages webhook subscriptions.");
    }
}
