using Governance.Domain.Incidents;
using Governance.Domain.ModelVersions;

namespace Governance.Domain.Webhooks;

/// <summary>
/// The ledger events a webhook subscription can receive, by their CloudEvents <c>type</c> (CloudEvents 1.0 section 3.1.1:
/// reverse-DNS prefixed). The outbox is driven by this table: an event whose type is listed here gets an outbox row in the
/// transaction that stores it, whatever command wrote it.
/// </summary>
public static class WebhookEventTypes
{
    public const string ApprovalGranted = "org.governance.approval.granted";
    public const string ApprovalRejected = "org.governance.approval.rejected";
    public const string ApprovalRevoked = "org.governance.approval.revoked";
    public const string ValidationRecorded = "org.governance.validation.recorded";
    public const string DeploymentRefused = "org.governance.deployment.refused";
    public const string IncidentRecorded = "org.governance.incident.recorded";

    /// <summary>The test message of the ping endpoint: sent to one subscription, whatever types it subscribed to.</summary>
    public const string Ping = "org.governance.webhook.ping";

    /// <summary>The ledger event types delivered, by CloudEvents type.</summary>
    public static readonly IReadOnlyDictionary<Type, string> ByEvent = new Dictionary<Type, string>
    {
        [typeof(ModelVersionApproved)] = ApprovalGranted,
        [typeof(Governance.Domain.ModelVersions.ApprovalRejected)] = ApprovalRejected,
        [typeof(Governance.Domain.ModelVersions.ApprovalRevoked)] = ApprovalRevoked,
        [typeof(ValidationCompleted)] = ValidationRecorded,
        [typeof(Governance.Domain.ModelVersions.DeploymentRefused)] = DeploymentRefused,
        [typeof(SeriousIncidentRecorded)] = IncidentRecorded,
    };

    /// <summary>Every type a subscription may name, in a stable order.</summary>
    public static readonly IReadOnlyList<string> All = [.. ByEvent.Values.Order(StringComparer.Ordinal)];

    /// <summary>The CloudEvents type of a ledger event, or null when webhooks do not carry it.</summary>
    public static string? Of(object ledgerEvent) => ByEvent.GetValueOrDefault(ledgerEvent.GetType());
}
