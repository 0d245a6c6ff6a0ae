namespace Governance.Domain.Evidence;

/// <summary>Which columns a report's protected attributes are read from, and which of them the model uses as inputs.</summary>
public static class ProtectedInputs
{
    /// <summary>
    /// The columns an attribute's definition reads: <c>COLUMN</c> reads that column, <c>NAME=GROUP:COL1,COL2[;…]</c> every
    /// listed column, <c>COLUMN=BANDS</c> (e.g. <c>Age=&lt;25,25-59,&gt;=60</c>) the banded column.
    /// </summary>
    public static IReadOnlyList<string> Columns(BiasAttribute attribute)
    {
        var text = attribute.Definition ?? attribute.Attribute;
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
            return [text.Trim()];
        var body = text[(eq + 1)..];
        if (!body.Contains(':', StringComparison.Ordinal))
            return [text[..eq].Trim()];
        return body.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(g => g[(g.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.TrimEntries))
            .Where(c => c.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// Per protected attribute of <paramref name="report"/>, the model features read from its columns (from the report's
    /// SHAP features, in their order): a non-empty list means the model uses the protected attribute as an input.
    /// </summary>
    public static IReadOnlyList<(string Attribute, IReadOnlyList<string> Features)> UsedAsFeatures(EvidenceReport report)
    {
        var features = report.Shap.Features.Select(f => f.Feature).ToArray();
        return report
            .Bias.Select(b =>
            {
                var columns = Columns(b).ToHashSet(StringComparer.Ordinal);
                return (b.Attribute, (IReadOnlyList<string>)features.Where(columns.Contains).ToArray());
            })
            .Where(x => x.Item2.Count > 0)
            .ToArray();
    }

    /// <summary>One sentence naming the protected attributes the model uses as inputs, or null when it uses none.</summary>
    public static string? Statement(EvidenceReport report) =>
        UsedAsFeatures(report) switch
        {
            [] => null,
            var used => "The model uses protected attributes as inputs: "
                + string.Join("; ", used.Select(u => $"{u.Attribute} (features {string.Join(", ", u.Features)})"))
                + ". Their SHAP values and importance are shown with the others; the bias examination shows the outcomes per group.",
        };
}
