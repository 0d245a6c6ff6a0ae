using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Attestations.Transparency;
using Governance.Domain.Approvals;

namespace Governance.Cli;

/// <summary>
/// <c>ledger verify --projections</c>: the read models are not trusted blindly. The approval lookup
/// (<c>mt_doc_approval</c>, which the approval check and the revocation status answer from) is rebuilt from the events with the
/// domain's own <see cref="Approval.Evolve"/>, the fold Marten's inline projection applies, and compared with the stored
/// documents; an approval edited in the table (revoked → approved, a forged pending one) is named.
/// </summary>
public sealed class ProjectionCheck
{
    /// <summary>Marten's document and event serialisation in this product: System.Text.Json, camelCase, enums as strings.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly System.Reflection.Assembly Domain = typeof(Approval).Assembly;
    private readonly Dictionary<string, Approval> _rebuilt = [];
    private readonly List<AuditFinding> _findings = [];

    /// <summary>Folds one event (in sequence order) into the approvals it concerns; events of other types are skipped.</summary>
    public void Add(AuditedEvent row)
    {
        var typeName = row.DotnetType.Split(", ")[0];
        // An event concerns one approval (ApprovalId) or, as a suspension and its lifting do, several (ApprovalIds).
        if (
            Domain.GetType(typeName) is not { } type
            || (type.GetProperty("ApprovalId") ?? type.GetProperty("ApprovalIds")) is not { } idProperty
        )
            return;
        try
        {
            var data = JsonSerializer.Deserialize(row.Entry.Data, type, Json)!;
            var ids = idProperty.GetValue(data) switch
            {
                string id => [id],
                IEnumerable<string> several => several.ToArray(),
                _ => Array.Empty<string>(),
            };
            foreach (var id in ids)
                if (Approval.Evolve(_rebuilt.GetValueOrDefault(id), data) is { } approval)
                    _rebuilt[id] = approval;
        }
        catch (JsonException e)
        {
            _findings.Add(new AuditFinding("projection_replay", row.Entry.Seq, $"event {row.Entry.Seq} cannot be replayed: {e.Message}"));
        }
    }

    /// <summary>Compares the stored approval documents (id, JSON) with the rebuilt ones; returns every difference.</summary>
    public IReadOnlyList<AuditFinding> Compare(IEnumerable<(string Id, string Json)> stored)
    {
        var seen = new HashSet<string>();
        foreach (var (id, json) in stored)
        {
            seen.Add(id);
            var document = JsonSerializer.Deserialize<Approval>(json, Json)!;
            if (!_rebuilt.TryGetValue(id, out var rebuilt))
                _findings.Add(Finding(id, $"approval {id} is in the read model ({document.Status}) but no event made it"));
            else if (JsonSerializer.Serialize(document, Json) != JsonSerializer.Serialize(rebuilt, Json))
                _findings.Add(
                    Finding(
                        id,
                        $"approval {id} in the read model says {document.Status} with {document.SignOffs.Count} sign-off(s); "
                            + $"its events say {rebuilt.Status} with {rebuilt.SignOffs.Count}: the read model was edited"
                    )
                );
        }
        foreach (var id in _rebuilt.Keys.Where(id => !seen.Contains(id)))
            _findings.Add(Finding(id, $"approval {id} ({_rebuilt[id].Status}) is missing from the read model"));
        return _findings;
    }

    private static AuditFinding Finding(string id, string message) => new("projection", null, message) { Projection = $"approval:{id}" };
}
