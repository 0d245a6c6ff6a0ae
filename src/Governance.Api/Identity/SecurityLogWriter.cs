using Governance.Api.Hosting;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger.SecurityLog;

namespace Governance.Api.Identity;

/// <summary>The identity endpoints' way into the ledger's security log: the audit facts of a request, and the append.</summary>
public sealed class SecurityLogWriter(SecurityLogBook log, TimeProvider clock)
{
    public Audit Audit(HttpContext? http, Actor actor, string reason) =>
        new(actor, clock.GetUtcNow(), reason, http?.CorrelationId() ?? Guid.NewGuid().ToString("N"));

    public Task RecordAsync(ISecurityEvent @event, CancellationToken ct) => log.RecordAsync(@event, ct);

    /// <summary>The actor of an attempt by no authenticated party (a sign-in, a client authentication).</summary>
    public static readonly Actor Anonymous = new(Subjects.Anonymous, "Anonymous");
}
