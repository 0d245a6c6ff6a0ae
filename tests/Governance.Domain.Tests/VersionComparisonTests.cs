using Governance.Domain.ModelVersions;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Two versions side by side: a dropped metric, a new one, a changed hyperparameter and dataset, and findings, each marked
/// with how it changed.</summary>
public sealed class VersionComparisonTests
{
    private static readonly ModelVersion Earlier = Given(
        VersionRegistered() with
        {
            Metrics = new Dictionary<string, double>
            {
                ["auc"] = 0.81,
                ["ks"] = 0.42,
                ["brier"] = 0.15,
            },
        }
    );

    private static readonly ModelVersion Later = Given(
        VersionRegistered() with
        {
            Version = "1.1.0",
            ArtifactDigest = OtherDigest,
            TrainingDatasetDigest = OtherDigest,
            Metrics = new Dictionary<string, double> { ["auc"] = 0.83, ["gini"] = 0.66 },
            Hyperparameters = new Dictionary<string, string> { ["trees"] = "200", ["leaves"] = "31" },
        }
    );

    private static ComparisonSection Section(VersionComparison c, string title) => c.Sections.Single(s => s.Title == title);

    [Fact]
    public void Dropped_added_and_changed_items_are_marked()
    {
        var finding = new TrackedFinding(
            ModelId,
            VersionLabel,
            new ValidationFinding("F-1", FindingSeverity.High, "PSI not monitored", null, FindingStatus.Open),
            null
        );

        var comparison = VersionComparer.Compare(Earlier, Later, [finding], []);

        Assert.Equal(("1.0.0", "1.1.0"), (comparison.From, comparison.To));
        Assert.Equal(
            [
                new ComparedRow("auc", "0.81", "0.83", ChangeKind.Changed, 0.83 - 0.81),
                new ComparedRow("brier", "0.15", null, ChangeKind.Removed),
                new ComparedRow("gini", null, "0.66", ChangeKind.Added),
                new ComparedRow("ks", "0.42", null, ChangeKind.Removed),
            ],
            Section(comparison, "Metrics").Rows
        );
        Assert.Equal([ChangeKind.Added, ChangeKind.Changed], Section(comparison, "Hyperparameters").Rows.Select(r => r.Change));
        Assert.Equal([ChangeKind.Changed, ChangeKind.Unchanged], Section(comparison, "Datasets").Rows.Select(r => r.Change));
        Assert.Equal(
            [new ComparedRow("F-1: PSI not monitored", "High, Open", null, ChangeKind.Removed)],
            Section(comparison, "Findings").Rows
        );
        Assert.DoesNotContain(comparison.Sections, s => s.Title.StartsWith("Explainability", StringComparison.Ordinal));
        Assert.Equal(4 + 2 + 1 + 1 + 1, comparison.Differences); // metrics, hyperparameters, dataset, artifact digest, finding
    }

    [Fact]
    public void A_version_compared_with_itself_has_no_difference()
    {
        Assert.Equal(0, VersionComparer.Compare(Earlier, Earlier, [], []).Differences);
    }

    [Fact]
    public void Versions_of_different_models_are_not_compared()
    {
        var other = Given(VersionRegistered() with { ModelId = "fraud" });
        Assert.Throws<ArgumentException>(() => VersionComparer.Compare(Earlier, other, [], []));
    }
}
