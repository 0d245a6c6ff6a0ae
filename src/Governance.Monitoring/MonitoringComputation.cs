using Governance.Domain.Monitoring;
using MathNet.Numerics.Statistics;

namespace Governance.Monitoring;

/// <summary>
/// Computes a monitoring plan's tests on a sample against a reference into a <see cref="MonitoringReport"/>, the verdicts
/// by <see cref="MonitoringVerdicts.Judge"/> (the rule the ledger checks them with). Numeric features are binned on
/// <see cref="StatisticPins.PsiBins"/> quantile bins of the reference; categorical ones on the reference's categories (and
/// an <c>(unseen)</c> bin when the sample has others). Missing values are left out of every test and counted.
/// </summary>
public static class MonitoringComputation
{
    /// <summary>The bin of categorical sample values the reference does not have.</summary>
    public const string Unseen = "(unseen)";

    /// <summary>A drift report (features and prediction) or a skew report (features only) of <paramref name="sample"/> against
    /// <paramref name="reference"/>.</summary>
    /// <param name="threads">Features computed at once (1: one thread).</param>
    /// <exception cref="InvalidDataException">An empty sample or reference, a column the plan names missing from either, a
    /// non-numeric value in a numeric column, or a feature without any value; the message names the problem.</exception>
    public static MonitoringReport Compute(
        MonitoringPlan plan,
        MonitoringComparison comparison,
        MonitoringTable reference,
        MonitoringTable sample,
        DateTimeOffset windowStart,
        DateTimeOffset windowEnd,
        int threads = 1
    )
    {
        if (reference.RowCount == 0)
            throw new InvalidDataException("The reference has no rows.");
        if (sample.RowCount == 0)
            throw new InvalidDataException("The sample has no rows: an empty sample tests nothing.");
        var monitored = comparison == MonitoringComparison.Drift ? [.. plan.Features, plan.Prediction] : plan.Features.ToArray();
        var outcomes = new FeatureOutcome[monitored.Length];
        Parallel.For(
            0,
            monitored.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            i => outcomes[i] = Feature(monitored[i], plan.Pins, reference, sample)
        );
        var report = new MonitoringReport(
            comparison,
            windowStart,
            windowEnd,
            sample.RowCount,
            reference.RowCount,
            reference.Digest,
            sample.Digest,
            plan.Pins,
            plan.Correction,
            outcomes.Take(plan.Features.Count).ToArray(),
            comparison == MonitoringComparison.Drift ? outcomes[^1] : null,
            0,
            false,
            MonitoringVerdict.Stable
        );
        return MonitoringVerdicts.Judge(plan, report);
    }

    private static FeatureOutcome Feature(MonitoredFeature feature, StatisticPins pins, MonitoringTable reference, MonitoringTable sample)
    {
        if (feature.Kind == FeatureKind.Categorical)
        {
            var (refValues, _) = reference.Categories(feature.Name);
            var (sampleValues, missing) = sample.Categories(feature.Name);
            Require(feature, refValues.Length, sampleValues.Length);
            return Categorical(feature, pins, refValues, sampleValues, missing);
        }
        var (r, _) = reference.Numbers(feature.Name);
        var (s, sampleMissing) = sample.Numbers(feature.Name);
        Require(feature, r.Length, s.Length);
        return Numeric(feature, pins, r, s, sampleMissing);
    }

    private static void Require(MonitoredFeature feature, int referenceValues, int sampleValues)
    {
        if (referenceValues == 0)
            throw new InvalidDataException($"The reference has no value of \"{feature.Name}\" (every row misses it).");
        if (sampleValues == 0)
            throw new InvalidDataException($"The sample has no value of \"{feature.Name}\" (every row misses it).");
    }

    /// <summary>
    /// One numeric feature's tests. Both arrays are sorted in place when a test needs the whole distributions (KS,
    /// Wasserstein); binned tests alone only sort the reference.
    /// </summary>
    public static FeatureOutcome Numeric(
        MonitoredFeature feature,
        StatisticPins pins,
        double[] reference,
        double[] sample,
        long sampleMissing
    )
    {
        Array.Sort(reference);
        var wholeDistributions = feature.Tests.Any(t =>
            t.Statistic is DriftStatistic.KolmogorovSmirnov or DriftStatistic.NormalizedWasserstein
        );
        if (wholeDistributions)
            Array.Sort(sample);
        var edges = DriftStatistics.QuantileEdges(reference, pins.PsiBins);
        var refCounts = DriftStatistics.CountSorted(reference, edges);
        var sampleCounts = wholeDistributions ? DriftStatistics.CountSorted(sample, edges) : DriftStatistics.Count(sample, edges);
        var std = ArrayStatistics.PopulationStandardDeviation(reference);
        var tests = feature
            .Tests.Select(t =>
                t.Statistic switch
                {
                    DriftStatistic.KolmogorovSmirnov => Outcome(t, DriftStatistics.KolmogorovSmirnov(reference, sample)),
                    DriftStatistic.NormalizedWasserstein => Outcome(t, DriftStatistics.NormalizedWasserstein(reference, sample, std)),
                    _ => Binned(t, pins, refCounts, sampleCounts),
                }
            )
            .ToArray();
        return new FeatureOutcome(
            feature.Name,
            FeatureKind.Numeric,
            reference.Length,
            sample.Length,
            sampleMissing,
            std,
            new Binning(edges, null, refCounts, sampleCounts),
            tests,
            MonitoringVerdict.Stable
        );
    }

    /// <summary>One categorical feature's tests on the reference's categories (ordinal order).</summary>
    public static FeatureOutcome Categorical(
        MonitoredFeature feature,
        StatisticPins pins,
        string[] reference,
        string[] sample,
        long sampleMissing
    )
    {
        var categories = reference.Distinct().Order(StringComparer.Ordinal).ToList();
        var index = categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        if (sample.Any(v => !index.ContainsKey(v)))
            categories.Add(Unseen);
        var refCounts = new long[categories.Count];
        var sampleCounts = new long[categories.Count];
        foreach (var v in reference)
            refCounts[index[v]]++;
        foreach (var v in sample)
            sampleCounts[index.TryGetValue(v, out var i) ? i : categories.Count - 1]++;
        var tests = feature.Tests.Select(t => Binned(t, pins, refCounts, sampleCounts)).ToArray();
        return new FeatureOutcome(
            feature.Name,
            FeatureKind.Categorical,
            reference.Length,
            sample.Length,
            sampleMissing,
            null,
            new Binning([], categories, refCounts, sampleCounts),
            tests,
            MonitoringVerdict.Stable
        );
    }

    private static TestOutcome Binned(DriftTest test, StatisticPins pins, long[] reference, long[] sample) =>
        test.Statistic switch
        {
            DriftStatistic.Psi => Outcome(test, DriftStatistics.Psi(reference, sample, pins.EmptyBinShare)),
            DriftStatistic.JensenShannon => Outcome(test, DriftStatistics.JensenShannon(reference, sample, pins.EmptyBinShare)),
            DriftStatistic.ChiSquare => Outcome(test, DriftStatistics.ChiSquare(reference, sample, pins.EmptyBinShare)),
            _ => throw new ArgumentException($"{test.Statistic} is not a binned statistic.", nameof(test)),
        };

    private static TestOutcome Outcome(DriftTest test, double value) =>
        new(test.Statistic, value, null, null, test.Threshold, test.WatchThreshold, MonitoringVerdict.Stable);

    private static TestOutcome Outcome(DriftTest test, (double Statistic, double PValue) result) =>
        new(test.Statistic, result.Statistic, result.PValue, result.PValue, test.Threshold, test.WatchThreshold, MonitoringVerdict.Stable);
}
