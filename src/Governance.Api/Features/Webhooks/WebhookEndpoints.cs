using Governance.Api.Hosting;
using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using Governance.Ledger.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Webhooks;

/// <summary>Webhook subscriptions (admins only): register where the ledger's events are posted, as signed CloudEvents; rotate a
/// secret; remove; read a subscription's delivery log; send a test ping. See docs/webhooks.md.</summary>
public static class WebhookEndpoints
{
    /// <summary>A subscription as an admin registers it.</summary>
    /// <param name="Url">The https:// endpoint events are posted to.</param>
    /// <param name="EventTypes">CloudEvents types to receive (GET /webhooks/event-types).</param>
    /// <param name="Secret">The Standard Webhooks signing secret, <c>whsec_</c> + base64 of 24-64 random bytes; kept encrypted,
    /// never returned.</param>
    public sealed record RegisterWebhookRequest(
        string? Url,
        IReadOnlyList<string?>? EventTypes,
        string? Secret,
        string? Description,
        string? Reason
    );

    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks
            .MapGet("/event-types", () => TypedResults.Ok(WebhookEventTypes.All))
            .AllowRoles(Roles.Admin)
            .WithName("ListWebhookEventTypes")
            .WithSummary("The CloudEvents types a subscription may receive.");
        webhooks
            .MapPost("/", RegisterWebhook)
            .AllowRoles(WebhookSubscriptions.ManageRoles)
            .WithName(nameof(RegisterWebhook))
            .WithSummary(
                "Register a subscription: an https:// URL (plain http or private addresses only for allow-listed hosts), the event types, "
                    + "and a whsec_ signing secret, which is kept encrypted and only its fingerprint recorded."
            );
        webhooks
            .MapGet("/", ListWebhooks)
            .AllowRoles(Roles.Admin)
            .WithName(nameof(ListWebhooks))
            .WithSummary("Every subscription, newest first (includeRemoved=true: removed ones too).");
        webhooks
            .MapGet("/{subscriptionId}", GetWebhook)
            .AllowRoles(Roles.Admin)
            .WithName(nameof(GetWebhook))
            .WithSummary("One subscription: URL, event types, secret fingerprint, when registered and by whom.");
        webhooks
            .MapPost("/{subscriptionId}/secret", RotateWebhookSecret)
            .AllowRoles(WebhookSubscriptions.ManageRoles)
            .WithName(nameof(RotateWebhookSecret))
            .WithSummary("Replace the signing secret; deliveries from now on (retries included) are signed with the new one.");
        webhooks
            .MapPost("/{subscriptionId}/remove", RemoveWebhook)
            .AllowRoles(WebhookSubscriptions.ManageRoles)
            .WithName(nameof(RemoveWebhook))
            .WithSummary("Remove the subscription: nothing more is sent, pending deliveries are dropped, its secret is deleted.");
        webhooks
            .MapGet("/{subscriptionId}/deliveries", ListWebhookDeliveries)
            .AllowRoles(Roles.Admin)
            .WithName(nameof(ListWebhookDeliveries))
            .WithSummary("The delivery log, newest first (limit 1-500, default 100): each message, its status and every attempt.");
        webhooks
            .MapPost("/{subscriptionId}/ping", PingWebhook)
            .AllowRoles(Roles.Admin)
            .WithName(nameof(PingWebhook))
            .WithSummary("Queue a signed test message (org.governance.webhook.ping); its outcome shows in the delivery log.");
        return api;
    }

    private static async Task<IResult> RegisterWebhook(RegisterWebhookRequest body, WebhookSubscriptions webhooks, HttpContext http) =>
        (
            await webhooks.RegisterAsync(
                id => new RegisterWebhookSubscription(id, body.Url, body.EventTypes, body.Secret, body.Description, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(s => LedgerCalls.Created(s, $"/api/v1/webhooks/{s.Id}"));

    private static async Task<IResult> RotateWebhookSecret(
        string subscriptionId,
        RotateWebhookSecret body,
        WebhookSubscriptions webhooks,
        HttpContext http
    ) => (await webhooks.RotateSecretAsync(subscriptionId, body, await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> RemoveWebhook(
        string subscriptionId,
        RemoveWebhookSubscription body,
        WebhookSubscriptions webhooks,
        HttpContext http
    ) => (await webhooks.RemoveAsync(subscriptionId, body, await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<Ok<IReadOnlyList<WebhookSubscription>>> ListWebhooks(
        bool? includeRemoved,
        WebhookSubscriptions webhooks,
        CancellationToken ct
    ) => TypedResults.Ok(await webhooks.ListAsync(includeRemoved ?? false, ct));

    private static async Task<Ok<WebhookSubscription>> GetWebhook(
        string subscriptionId,
        WebhookSubscriptions webhooks,
        CancellationToken ct
    ) => TypedResults.Ok(await webhooks.GetAsync(subscriptionId, ct));

    private static async Task<Ok<IReadOnlyList<WebhookDelivery>>> ListWebhookDeliveries(
        string subscriptionId,
        int? limit,
        WebhookSubscriptions webhooks,
        CancellationToken ct
    ) => TypedResults.Ok(await webhooks.DeliveriesAsync(subscriptionId, limit ?? 100, ct));

    private static async Task<Accepted<WebhookDelivery>> PingWebhook(
        string subscriptionId,
        WebhookSubscriptions webhooks,
        CancellationToken ct
    )
    {
        var delivery = await webhooks.PingAsync(subscriptionId, ct);
        return TypedResults.Accepted($"/api/v1/webhooks/{subscriptionId}/deliveries", delivery);
    }
}
