using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Attestations.Transparency;
using Governance.Domain.Approvals;

namespace Governance.Cli;

/// <summary>
/// <c>ledger verify --projections</c>: the read models are not trusted blindly. The approval lookup
/// (<c>mt_doc_approval</c>, which the approval check and the revocation status answer from) is rebuilt from the events as
/// stored with the domain's <see cref="ApprovalLookupRebuild"/> (the fold the server's reconciliation job also runs) and
/// compared with the stored documents; an approval edited in the table (revoked → approved, a forged pending one) is named.
/// </summary>
public sealed class ProjectionCheck
{
    /// <summary>Marten's document and event serialisation in this product: System.Text.Json, camelCase, enums as strings.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly Dictionary<string, Type> Types = ApprovalLookupRebuild.EventTypes.ToDictionary(t => t.FullName!);
    private readonly ApprovalLookupRebuild _rebuild = new();
    private readonly List<AuditFinding> _findings = [];

    /// <summary>Folds one event (in sequence order) into the approvals it concerns; events of other types are skipped.</summary>
    public void Add(AuditedEvent row)
    {
        if (!Types.TryGetValue(row.DotnetType.Split(", ")[0], out var type))
            return;
        try
        {
            _rebuild.Apply(JsonSerializer.Deserialize(row.Entry.Data, type, Json)!);
        }
        catch (JsonException e)
        {
            _findings.Add(new AuditFinding("projection_replay", row.Entry.Seq, $"event {row.Entry.Seq} cannot be replayed: {e.Message}"));
        }
    }

    /// <summary>Compares the stored approval documents (id, JSON) with the rebuilt ones; returns every difference.</summary>
    public IReadOnlyList<AuditFinding> Compare(IEnumerable<(string Id, string Json)> stored)
    {
        foreach (var difference in _rebuild.Compare(stored.Select(s => JsonSerializer.Deserialize<Approval>(s.Json, Json)!)))
            _findings.Add(new("projection", null, difference.Message) { Projection = $"approval:{difference.ApprovalId}" });
        return _findings;
    }
}
