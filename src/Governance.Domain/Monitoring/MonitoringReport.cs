namespace Governance.Domain.Monitoring;

/// <summary>
/// How far a test, a feature or a whole report is from its reference. Ordered: a feature's verdict is the worst of its tests.
/// </summary>
public enum MonitoringVerdict
{
    /// <summary>Below the watch level (distance statistics) or not significant (p-value tests).</summary>
    Stable,

    /// <summary>A distance statistic at or above the test's watch level but below its threshold (PSI 0.1-0.25).</summary>
    Watch,

    /// <summary>A distance statistic at or above its threshold, or a p-value (adjusted when the plan says) below it.</summary>
    Drift,

    /// <summary>Report level only: dataset drift (at least the plan's share of features drift on distance statistics) or
    /// prediction drift. A breach is what the plan's <see cref="BreachAction"/> acts on.</summary>
    Breach,
}

/// <summary>What a report compares.</summary>
public enum MonitoringComparison
{
    /// <summary>Data and prediction drift: a production sample against the plan's reference dataset.</summary>
    Drift,

    /// <summary>Feature skew: serving values against the training data of the same features (the reference is the training
    /// dataset, which may differ from the plan's reference); no prediction.</summary>
    Skew,
}

/// <summary>One test's outcome.</summary>
/// <param name="Value">The statistic: PSI, KS D, chi-square, normalised Wasserstein or JS distance.</param>
/// <param name="PValue">KS and chi-square: the p-value; null for distance statistics.</param>
/// <param name="AdjustedPValue">The p-value after the plan's multiple-testing correction (equal to it without one); null for
/// distance statistics.</param>
/// <param name="Threshold">The plan's threshold, as applied.</param>
/// <param name="WatchThreshold">The plan's watch level, as applied.</param>
public sealed record TestOutcome(
    DriftStatistic Statistic,
    double Value,
    double? PValue,
    double? AdjustedPValue,
    double Threshold,
    double? WatchThreshold,
    MonitoringVerdict Verdict
);

/// <summary>The bins a feature was compared on, with the counts that fell in each.</summary>
/// <param name="Edges">Numeric: the interior edges, ascending and distinct (the reference's quantiles at k/bins); bin i holds
/// values x with Edges[i-1] &lt; x &#8804; Edges[i], the first and last bins are open. Empty for categorical features.</param>
/// <param name="Categories">Categorical: the reference's categories in ordinal order, then <c>(unseen)</c> for sample values
/// the reference does not have. Null for numeric features.</param>
/// <param name="ReferenceCounts">Reference values per bin.</param>
/// <param name="SampleCounts">Sample values per bin.</param>
public sealed record Binning(
    IReadOnlyList<double> Edges,
    IReadOnlyList<string>? Categories,
    IReadOnlyList<long> ReferenceCounts,
    IReadOnlyList<long> SampleCounts
);

/// <summary>One monitored feature's (or the score's) outcome.</summary>
/// <param name="ReferenceValues">Non-missing reference values compared.</param>
/// <param name="SampleValues">Non-missing sample values compared.</param>
/// <param name="SampleMissing">Sample rows whose value was missing (empty, NA, NaN): left out of every test.</param>
/// <param name="ReferenceStandardDeviation">Numeric: the reference's population standard deviation (ddof 0, as numpy's
/// <c>np.std</c> and Evidently use), the normaliser of the Wasserstein distance (floored at 0.001). Null for categorical.</param>
public sealed record FeatureOutcome(
    string Name,
    FeatureKind Kind,
    long ReferenceValues,
    long SampleValues,
    long SampleMissing,
    double? ReferenceStandardDeviation,
    Binning Bins,
    IReadOnlyList<TestOutcome> Tests,
    MonitoringVerdict Verdict
);

/// <summary>
/// A monitoring report: a plan's tests computed on a production (or serving) sample against a reference, with every choice
/// pinned so that anyone holding the two files can recompute it (<c>governance monitor verify</c>). The sample stays with
/// the owner (personal data): only its digest is recorded.
/// </summary>
/// <param name="WindowStart">Start of the production window the sample was drawn from (inclusive).</param>
/// <param name="WindowEnd">End of the window (exclusive); not in the future when recorded.</param>
/// <param name="SampleSize">Rows in the sample file.</param>
/// <param name="ReferenceRows">Rows in the reference file.</param>
/// <param name="ReferenceDigest"><c>sha256:</c> of the reference file's bytes.</param>
/// <param name="SampleDigest"><c>sha256:</c> of the sample file's bytes.</param>
/// <param name="Features">The plan's features, in the plan's order.</param>
/// <param name="Prediction">The score's outcome (prediction drift); null for a skew report.</param>
/// <param name="DriftedShare">Share of <see cref="Features"/> with a distance statistic at or above its threshold.</param>
/// <param name="DatasetDrift">Whether <see cref="DriftedShare"/> reached the plan's <c>DatasetDriftShare</c>.</param>
public sealed record MonitoringReport(
    MonitoringComparison Comparison,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long SampleSize,
    long ReferenceRows,
    string ReferenceDigest,
    string SampleDigest,
    StatisticPins Pins,
    MultipleTestingCorrection Correction,
    IReadOnlyList<FeatureOutcome> Features,
    FeatureOutcome? Prediction,
    double DriftedShare,
    bool DatasetDrift,
    MonitoringVerdict Verdict
);
