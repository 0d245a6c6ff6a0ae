using Governance.Explainability.Trees;
using MathNet.Numerics.Random;
using Microsoft.ML;

namespace Governance.Explainability.Validation;

/// <summary>
/// One feature's permutation importance: the mean decrease of the area under the ROC curve when the feature's column is
/// shuffled (positive = the model relies on it), over <see cref="Repeats"/> shuffles, with the standard error of that mean.
/// </summary>
public sealed record FeatureImportance(string Feature, double MeanDecrease, double StandardError, int Repeats);

/// <summary>
/// Permutation feature importance (Breiman 2001; Fisher, Rudin and Dominici 2019): each feature's column is shuffled
/// <c>repeats</c> times and the drop in ROC AUC recorded. ML.NET models use Microsoft.ML's own
/// <c>PermutationFeatureImportance</c>; other formats the same procedure through the common scoring function
/// (the ensemble's margin), with shuffles drawn from a seeded Mersenne Twister and features processed in parallel into their
/// own slots, so the result does not depend on the degree of parallelism.
/// </summary>
public static class PermutationImportance
{
    /// <summary>PFI through a scoring function, for every column of <paramref name="rows"/> (n × features).</summary>
    /// <param name="score">Scores rows (higher = more likely positive); must be a pure function of its input.</param>
    /// <exception cref="ArgumentException">When <paramref name="repeats"/> is below 2 (no standard error).</exception>
    public static IReadOnlyList<FeatureImportance> Compute(
        Func<IReadOnlyList<double[]>, double[]> score,
        IReadOnlyList<double[]> rows,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> featureNames,
        int repeats,
        int seed
    )
    {
        if (repeats < 2)
            throw new ArgumentException("Permutation importance needs at least 2 repeats for a standard error.", nameof(repeats));
        var baseline = BinaryMetrics.RocAuc(score(rows), labels);
        var result = new FeatureImportance[featureNames.Count];
        Parallel.For(
            0,
            featureNames.Count,
            j =>
            {
                // One generator per feature, seeded from the run's seed and the feature's index: the same shuffles whatever the
                // thread schedule.
                var random = new MersenneTwister(unchecked(seed * 1_000_003 + j), threadSafe: false);
                var drops = new double[repeats];
                var copy = rows.Select(r => (double[])r.Clone()).ToArray();
                for (var k = 0; k < repeats; k++)
                {
                    var permutation = MathNet.Numerics.Combinatorics.GeneratePermutation(rows.Count, random);
                    for (var i = 0; i < rows.Count; i++)
                        copy[i][j] = rows[permutation[i]][j];
                    drops[k] = baseline - BinaryMetrics.RocAuc(score(copy), labels);
                }
                result[j] = Summarise(featureNames[j], drops);
            }
        );
        return result;
    }

    /// <summary>
    /// PFI with Microsoft.ML's own implementation for an ML.NET model, on <paramref name="scored"/>: the model's output
    /// (holding its feature vector) with a Boolean label column added. Features are in the order of the feature vector.
    /// </summary>
    public static IReadOnlyList<FeatureImportance> ComputeMlNet(
        MlNetTreeModel model,
        IDataView scored,
        string booleanLabelColumn,
        int repeats
    )
    {
        if (repeats < 2)
            throw new ArgumentException("Permutation importance needs at least 2 repeats for a standard error.", nameof(repeats));
        var statistics = model.Context.BinaryClassification.PermutationFeatureImportance(
            model.Predictor,
            scored,
            labelColumnName: booleanLabelColumn,
            permutationCount: repeats
        );
        // ML.NET reports permuted − baseline; a decrease is its negation.
        return model
            .Ensemble.FeatureNames.Select(
                (name, slot) =>
                    new FeatureImportance(
                        name,
                        -statistics[slot].AreaUnderRocCurve.Mean,
                        statistics[slot].AreaUnderRocCurve.StandardError,
                        repeats
                    )
            )
            .ToArray();
    }

    private static FeatureImportance Summarise(string feature, double[] drops)
    {
        var mean = MathNet.Numerics.Statistics.Statistics.Mean(drops);
        var sd = MathNet.Numerics.Statistics.Statistics.StandardDeviation(drops);
        return new FeatureImportance(feature, mean, sd / Math.Sqrt(drops.Length), drops.Length);
    }
}
