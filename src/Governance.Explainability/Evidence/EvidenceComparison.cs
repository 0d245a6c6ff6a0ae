using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Domain.Evidence;

namespace Governance.Explainability.Evidence;

/// <summary>One value that differs between a recorded report and its recomputation, by JSON path.</summary>
public sealed record EvidenceDifference(string Path, string? Recorded, string? Recomputed);

/// <summary>The outcome of <c>governance evidence verify</c>.</summary>
/// <param name="SameBuild">Both were computed by the same build (assemblies, runtime, platform): numbers must be bit-for-bit equal.</param>
/// <param name="Tolerance">0 on the same build, else the report's recorded tolerance.</param>
public sealed record EvidenceVerification(bool SameBuild, double Tolerance, IReadOnlyList<EvidenceDifference> Differences)
{
    public bool Matches => Differences.Count == 0;
}

/// <summary>
/// Compares a recorded report with a recomputation, field by field as JSON (the web defaults the ledger stores with): every
/// number bit-for-bit (round-trip text equal) when the builds are equal, else within the recorded tolerance; every text and
/// list length exactly. The build itself is reported, not compared.
/// </summary>
public static class EvidenceComparison
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EvidenceVerification Compare(EvidenceReport recorded, EvidenceReport recomputed)
    {
        var sameBuild = recorded.Build == recomputed.Build;
        var tolerance = sameBuild ? 0 : recorded.Tolerance;
        var differences = new List<EvidenceDifference>();
        var a = JsonSerializer.SerializeToNode(recorded with { Build = "" }, Json);
        var b = JsonSerializer.SerializeToNode(recomputed with { Build = "" }, Json);
        Walk("$", a, b, tolerance, differences);
        return new EvidenceVerification(sameBuild, tolerance, differences);
    }

    private static void Walk(string path, JsonNode? a, JsonNode? b, double tolerance, List<EvidenceDifference> differences)
    {
        switch (a, b)
        {
            case (null, null):
                return;
            case (JsonObject x, JsonObject y):
                foreach (var key in x.Select(p => p.Key).Union(y.Select(p => p.Key)).Order(StringComparer.Ordinal))
                    Walk($"{path}.{key}", x[key], y[key], tolerance, differences);
                return;
            case (JsonArray x, JsonArray y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                    Walk($"{path}[{i}]", x[i], y[i], tolerance, differences);
                return;
            case (JsonValue x, JsonValue y) when x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number:
                var same =
                    tolerance == 0
                        ? x.ToJsonString() == y.ToJsonString()
                        : Math.Abs(x.GetValue<double>() - y.GetValue<double>()) <= tolerance;
                if (!same)
                    differences.Add(new EvidenceDifference(path, x.ToJsonString(), y.ToJsonString()));
                return;
            default:
                if (a?.ToJsonString() != b?.ToJsonString())
                    differences.Add(new EvidenceDifference(path, Short(a), Short(b)));
                return;
        }
    }

    private static string? Short(JsonNode? node)
    {
        var text = node?.ToJsonString();
        return text is { Length: > 200 } ? text[..200] + "…" : text;
    }
}
