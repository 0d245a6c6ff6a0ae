using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;

namespace Governance.Domain.Approvals;

/// <summary>One approval whose stored read-model document differs from what its events make of it.</summary>
/// <param name="ApprovalId">The approval.</param>
/// <param name="Stored">The stored document's status, or null when the read model lacks the approval.</param>
/// <param name="Rebuilt">The status its events give, or null when no event made the approval.</param>
/// <param name="Message">A sentence for the auditor.</param>
public sealed record ApprovalLookupDifference(string ApprovalId, ApprovalStatus? Stored, ApprovalStatus? Rebuilt, string Message);

/// <summary>
/// The approval lookup (the <see cref="Approval"/> read model the approval check and the revocation status answer from)
/// rebuilt from the events, with the same fold the inline projection applies (<see cref="Approval.Evolve"/>), and compared with
/// the stored documents. Shared by <c>ledger verify --projections</c> and the server's reconciliation job, and what the signed
/// status list is issued from, so that an edited row cannot un-revoke an approval unnoticed.
/// </summary>
public sealed class ApprovalLookupRebuild
{
    /// <summary>Every event type that changes an approval: what a reader needs to load, in sequence order.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(ApprovalRequested),
        typeof(ApprovalSignedOff),
        typeof(ModelVersionApproved),
        typeof(ApprovalRejected),
        typeof(ApprovalAttested),
        typeof(ModelVersionSuspended),
        typeof(ModelVersionSuspensionLifted),
        typeof(ApprovalRevoked),
        typeof(MonitoringBreachRecorded),
        typeof(BreachReviewResolved),
    ];

    /// <summary>Compares documents by content: any deterministic serialisation will do, the same on both sides.</summary>
    private static readonly JsonSerializerOptions Comparison = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Dictionary<string, Approval> _rebuilt = new(StringComparer.Ordinal);

    /// <summary>The approvals rebuilt so far, by id.</summary>
    public IReadOnlyDictionary<string, Approval> Approvals => _rebuilt;

    /// <summary>The approvals an event concerns: one (<c>ApprovalId</c>) or, for a suspension and its lifting, several; none for
    /// events that do not change an approval.</summary>
    public static IReadOnlyList<string> ApprovalIdsOf(object @event) =>
        @event switch
        {
            ApprovalRequested e => [e.ApprovalId],
            ApprovalSignedOff e => [e.ApprovalId],
            ModelVersionApproved e => [e.ApprovalId],
            ApprovalRejected e => [e.ApprovalId],
            ApprovalAttested e => [e.ApprovalId],
            ApprovalRevoked e => [e.ApprovalId],
            MonitoringBreachRecorded e => [e.ApprovalId],
            BreachReviewResolved e => [e.ApprovalId],
            ModelVersionSuspended e => e.ApprovalIds,
            ModelVersionSuspensionLifted e => e.ApprovalIds,
            _ => [],
        };

    /// <summary>Folds the next event (in sequence order) into the approvals it concerns; other events are ignored.</summary>
    public void Apply(object @event)
    {
        foreach (var id in ApprovalIdsOf(@event))
            if (Approval.Evolve(_rebuilt.GetValueOrDefault(id), @event) is { } approval)
                _rebuilt[id] = approval;
    }

    /// <summary>
    /// Every difference between the stored documents and the rebuilt approvals: a document that differs (an edit from revoked
    /// to approved, a forged sign-off), one no event made (a forged approval) and an approval missing from the read model.
    /// </summary>
    /// <param name="stored">Every stored approval document.</param>
    /// <param name="unsettled">Approvals left out of the comparison (e.g. changed by events after the position rebuilt to).</param>
    public IReadOnlyList<ApprovalLookupDifference> Compare(IEnumerable<Approval> stored, IReadOnlySet<string>? unsettled = null)
    {
        var differences = new List<ApprovalLookupDifference>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in stored)
        {
            seen.Add(document.Id);
            if (unsettled?.Contains(document.Id) == true)
                continue;
            if (!_rebuilt.TryGetValue(document.Id, out var rebuilt))
                differences.Add(
                    new(
                        document.Id,
                        document.Status,
                        null,
                        $"approval {document.Id} is in the read model ({document.Status}) but no event made it"
                    )
                );
            else if (JsonSerializer.Serialize(document, Comparison) != JsonSerializer.Serialize(rebuilt, Comparison))
                differences.Add(
                    new(
                        document.Id,
                        document.Status,
                        rebuilt.Status,
                        $"approval {document.Id} in the read model says {document.Status} with {document.SignOffs.Count} sign-off(s); "
                            + $"its events say {rebuilt.Status} with {rebuilt.SignOffs.Count}: the read model was edited"
                    )
                );
        }
        foreach (var (id, rebuilt) in _rebuilt.Where(a => !seen.Contains(a.Key) && unsettled?.Contains(a.Key) != true))
            differences.Add(new(id, null, rebuilt.Status, $"approval {id} ({rebuilt.Status}) is missing from the read model"));
        return differences;
    }
}
