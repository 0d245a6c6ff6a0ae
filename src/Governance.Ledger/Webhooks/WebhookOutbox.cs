using Governance.Domain.Shared;
using Governance.Domain.Webhooks;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Webhooks;

/// <summary>A ledger event waiting to be fanned out to the webhook subscriptions of its type: written in the transaction that
/// stores the event (so a committed event is never lost and a rolled-back one never sent), deleted when its deliveries are
/// created.</summary>
/// <param name="Id">The ledger event's id (<c>mt_events.id</c>): the CloudEvents <c>id</c> and the Standard Webhooks
/// <c>webhook-id</c>, the same on every retry and to every subscription, for receivers to de-duplicate on.</param>
/// <param name="Type">The CloudEvents type (<see cref="WebhookEventTypes"/>).</param>
/// <param name="Subject">The ledger stream the event belongs to (e.g. <c>credit-risk@1.2.0</c>).</param>
/// <param name="Time">When the event was decided (its audit time).</param>
/// <param name="DataJson">The event as the ledger stores it (<c>mt_events.data</c>).</param>
public sealed record WebhookOutboxMessage(Guid Id, string Type, string Subject, DateTimeOffset Time, string DataJson);

/// <summary>
/// The transactional outbox: asked by the ledger's one write path (<see cref="LedgerWriter"/>) for every committed command, it
/// adds a <see cref="WebhookOutboxMessage"/> for each event of a type webhooks carry (<see cref="WebhookEventTypes.ByEvent"/>),
/// on any stream the command wrote. No feature calls it: a new deliverable event type is one line in that table.
/// </summary>
public sealed class WebhookOutbox : ICommitsWithEvents
{
    public void Stage(
        IDocumentSession operations,
        CommandCall call,
        string stream,
        IReadOnlyList<object> events,
        long version,
        object answer
    )
    {
        var serializer = operations.DocumentStore.Options.Serializer();
        foreach (var pending in operations.PendingChanges.Streams())
        foreach (var e in pending.Events)
        {
            if (WebhookEventTypes.Of(e.Data) is not { } type)
                continue;
            // Marten gives an event its id when it saves; given here, the outbox row and mt_events carry the same one.
            if (e.Id == Guid.Empty)
                e.Id = Guid.CreateVersion7();
            var time = ((ILedgerEvent)e.Data).Audit.At;
            operations.Insert(new WebhookOutboxMessage(e.Id, type, pending.Key ?? pending.Id.ToString(), time, serializer.ToJson(e.Data)));
        }
    }
}
