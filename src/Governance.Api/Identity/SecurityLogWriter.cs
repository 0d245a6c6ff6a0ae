using Governance.Api.Hosting;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using JasperFx;
using Marten;

namespace Governance.Api.Identity;

/// <summary>Appends to the security log, one stream per subject; a concurrent append to the same subject's stream is retried.</summary>
public sealed class SecurityLogWriter(IDocumentStore store, TimeProvider clock)
{
    public Audit Audit(HttpContext? http, Actor actor, string reason) =>
        new(actor, clock.GetUtcNow(), reason, http?.CorrelationId() ?? Guid.NewGuid().ToString("N"));

    public async Task RecordAsync(ISecurityEvent @event, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                session.CorrelationId = @event.Audit.CorrelationId;
                session.Events.Append(SecurityLog.StreamKey(@event.Subject), @event);
                await session.SaveChangesAsync(ct);
                return;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                await Task.Delay(10 * attempt, ct);
            }
        }
    }

    public static Actor Anonymous(string attemptedUserName) => new("anonymous", attemptedUserName, "Anonymous");
}
