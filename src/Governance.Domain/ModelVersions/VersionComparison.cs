using System.Globalization;
using Governance.Domain.Evidence;
using Governance.Domain.Validation;

namespace Governance.Domain.ModelVersions;

/// <summary>How a compared item differs from the earlier version to the later one.</summary>
public enum ChangeKind
{
    Unchanged,

    /// <summary>Only the later version has it.</summary>
    Added,

    /// <summary>Only the earlier version has it (a metric dropped, a hyperparameter no longer set).</summary>
    Removed,
    Changed,
}

/// <summary>One compared item: its value in the earlier version (<paramref name="From"/>) and the later (<paramref name="To"/>),
/// null where that version does not have it; for numbers, <paramref name="Delta"/> is later minus earlier.</summary>
public sealed record ComparedRow(string Name, string? From, string? To, ChangeKind Change, double? Delta = null);

/// <summary>One part of the comparison (metrics, datasets, ...), its rows in name order.</summary>
public sealed record ComparisonSection(string Title, IReadOnlyList<ComparedRow> Rows)
{
    public int Differences => Rows.Count(r => r.Change != ChangeKind.Unchanged);
}

/// <summary>Two versions of one model side by side: <paramref name="From"/> (usually the earlier) against <paramref name="To"/>.</summary>
public sealed record VersionComparison(string ModelId, string From, string To, IReadOnlyList<ComparisonSection> Sections)
{
    public int Differences => Sections.Sum(s => s.Differences);
}

/// <summary>
/// Compares two versions of a model as a reviewer reads them: provenance, metrics, datasets, hyperparameters, explainability
/// (the latest evidence report of each, when one is recorded) and the findings of each version's latest validation. Pure: the
/// caller reads the versions and their tracked findings.
/// </summary>
public static class VersionComparer
{
    /// <exception cref="ArgumentException">The versions belong to different models.</exception>
    public static VersionComparison Compare(
        ModelVersion from,
        ModelVersion to,
        IReadOnlyList<TrackedFinding> fromFindings,
        IReadOnlyList<TrackedFinding> toFindings
    )
    {
        if (from.ModelId != to.ModelId)
            throw new ArgumentException($"{from.ModelId} {from.Version} and {to.ModelId} {to.Version} are versions of different models.");
        var sections = new List<ComparisonSection>
        {
            new(
                "Artifact and provenance",
                [
                    Text("Artifact SHA-256", from.ArtifactDigest, to.ArtifactDigest),
                    Text("Artifact format", from.Format.ToString(), to.Format.ToString()),
                    Text("Code commit", from.CodeCommit, to.CodeCommit),
                    Text("Risk tier", from.RiskTier.ToString(), to.RiskTier.ToString()),
                    Text("Status", from.Status.ToString(), to.Status.ToString()),
                    Text("Validation outcome", from.Validation?.Outcome.ToString(), to.Validation?.Outcome.ToString()),
                ]
            ),
            new("Metrics", Numbers(from.Metrics, to.Metrics)),
            new(
                "Datasets",
                [
                    Text("Training dataset SHA-256", from.TrainingDatasetDigest, to.TrainingDatasetDigest),
                    Text("Validation dataset SHA-256", from.ValidationDatasetDigest, to.ValidationDatasetDigest),
                ]
            ),
            new("Hyperparameters", Texts(from.Hyperparameters, to.Hyperparameters)),
        };
        var fromReport = from.Evidence.Count == 0 ? null : from.Evidence[^1].Report;
        var toReport = to.Evidence.Count == 0 ? null : to.Evidence[^1].Report;
        if (fromReport is not null || toReport is not null)
            sections.Add(
                new ComparisonSection(
                    "Explainability and validation evidence",
                    Numbers(Explainability(fromReport), Explainability(toReport))
                )
            );
        sections.Add(new ComparisonSection("Findings", Texts(Findings(fromFindings), Findings(toFindings))));
        return new VersionComparison(from.ModelId, from.Version, to.Version, sections);
    }

    /// <summary>The figures of an evidence report a reviewer compares: discrimination, calibration, and per feature the mean
    /// |SHAP| and the permutation importance.</summary>
    private static Dictionary<string, double> Explainability(EvidenceReport? report)
    {
        if (report is null)
            return [];
        var figures = new Dictionary<string, double>
        {
            ["ROC AUC"] = report.Metrics.RocAuc,
            ["Average precision"] = report.Metrics.AveragePrecision,
            ["KS"] = report.Metrics.Ks,
            ["Brier score"] = report.Metrics.Brier,
            ["Log loss"] = report.Metrics.LogLoss,
            ["Expected calibration error"] = report.Metrics.Calibration.ExpectedCalibrationError,
        };
        foreach (var f in report.Shap.Features)
            figures[$"Mean |SHAP| of {f.Feature}"] = f.MeanAbs;
        foreach (var f in report.Importance.Features)
            figures[$"Permutation importance of {f.Feature}"] = f.MeanDecrease;
        return figures;
    }

    private static Dictionary<string, string> Findings(IReadOnlyList<TrackedFinding> findings) =>
        findings.ToDictionary(f => $"{f.Finding.Id}: {f.Finding.Title}", f => $"{f.Finding.Severity}, {f.Status}", StringComparer.Ordinal);

    private static ComparedRow Text(string name, string? from, string? to) =>
        new(
            name,
            from,
            to,
            from == to ? ChangeKind.Unchanged
                : from is null ? ChangeKind.Added
                : to is null ? ChangeKind.Removed
                : ChangeKind.Changed
        );

    private static IReadOnlyList<ComparedRow> Texts(IReadOnlyDictionary<string, string> from, IReadOnlyDictionary<string, string> to) =>
        from
            .Keys.Union(to.Keys)
            .Order(StringComparer.Ordinal)
            .Select(k => Text(k, from.GetValueOrDefault(k), to.GetValueOrDefault(k)))
            .ToArray();

    private static IReadOnlyList<ComparedRow> Numbers(IReadOnlyDictionary<string, double> from, IReadOnlyDictionary<string, double> to) =>
        from
            .Keys.Union(to.Keys)
            .Order(StringComparer.Ordinal)
            .Select(k =>
            {
                double? a = from.TryGetValue(k, out var x) ? x : null;
                double? b = to.TryGetValue(k, out var y) ? y : null;
                var row = Text(k, Number(a), Number(b));
                // Compared as numbers: two values that print alike but differ still count as changed.
                return row with
                {
                    Change = a is { } p && b is { } q ? (p.Equals(q) ? ChangeKind.Unchanged : ChangeKind.Changed) : row.Change,
                    Delta = b - a,
                };
            })
            .ToArray();

    private static string? Number(double? value) => value?.ToString("0.######", CultureInfo.InvariantCulture);
}
