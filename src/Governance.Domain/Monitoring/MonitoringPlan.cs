namespace Governance.Domain.Monitoring;

/// <summary>A two-sample statistic comparing a production (or serving) sample of one quantity with its reference.</summary>
public enum DriftStatistic
{
    /// <summary>Population stability index on the reference's quantile bins (see <see cref="StatisticPins"/>); higher is
    /// more drift. Credit-scoring convention: &lt; 0.1 stable, 0.1-0.25 watch, &#8805; 0.25 breach.</summary>
    Psi,

    /// <summary>Two-sample Kolmogorov-Smirnov test, numeric features; its p-value is compared (drift when below the
    /// threshold, 0.05 by default), as scipy's <c>ks_2samp(method='asymp')</c>.</summary>
    KolmogorovSmirnov,

    /// <summary>Pearson's chi-square goodness of fit of the sample's counts in the reference's categories (or bins), without
    /// continuity correction, as scipy's <c>chisquare</c>; its p-value is compared (drift when below the threshold).</summary>
    ChiSquare,

    /// <summary>First Wasserstein (earth mover's) distance divided by the reference's standard deviation (Evidently's
    /// convention); drift when at or above the threshold (0.1 by default).</summary>
    NormalizedWasserstein,

    /// <summary>Jensen-Shannon distance (square root of the divergence) with base-2 logarithm, in [0, 1], on the reference's
    /// bins or categories; drift when at or above the threshold (0.1 by default).</summary>
    JensenShannon,
}

/// <summary>Whether a monitored quantity takes numbers or categories.</summary>
public enum FeatureKind
{
    Numeric,
    Categorical,
}

/// <summary>One test in a monitoring plan.</summary>
/// <param name="Statistic">The statistic computed.</param>
/// <param name="Threshold">Breach threshold: a p-value below it (KS, chi-square), or a value at or above it (PSI,
/// Wasserstein, JS), is drift.</param>
/// <param name="WatchThreshold">Optional lower "watch" level for distance statistics (PSI 0.1): at or above it the verdict is
/// <c>watch</c>, not a breach. Null for p-value tests.</param>
public sealed record DriftTest(DriftStatistic Statistic, double Threshold, double? WatchThreshold = null);

/// <summary>One monitored input feature, or the model's score (prediction drift).</summary>
/// <param name="Name">Column name in the reference dataset and in production samples.</param>
/// <param name="Kind">Numeric or categorical.</param>
/// <param name="Tests">The tests run on it; at least one.</param>
public sealed record MonitoredFeature(string Name, FeatureKind Kind, IReadOnlyList<DriftTest> Tests);

/// <summary>What a breach does to the version's approval in the monitored environment (EU AI Act Art. 72 post-market
/// monitoring; SR 26-2 ongoing monitoring).</summary>
public enum BreachAction
{
    /// <summary>Recorded and alerted; the approval stands.</summary>
    Warn,

    /// <summary>The approval goes under review: serving continues, the approval check answers with reason
    /// <c>under_review</c>, and a review item opens in the risk officers' queue.</summary>
    UnderReview,

    /// <summary>The approval is suspended: the check denies with reason <c>suspended</c> and model servers stop at their
    /// next re-verification after the plan's drain period.</summary>
    Suspend,
}

/// <summary>Multiple-testing correction applied to the p-value tests of one report.</summary>
public enum MultipleTestingCorrection
{
    None,

    /// <summary>Benjamini-Hochberg false discovery rate control (Benjamini &amp; Hochberg 1995).</summary>
    BenjaminiHochberg,
}

/// <summary>
/// The computational choices every report states, so a verdict can be recomputed years later exactly. Defaults: PSI on 10
/// quantile bins of the reference, an empty bin's share replaced by 1e-4, natural logarithm; KS p-values by the asymptotic
/// distribution (scipy <c>ks_2samp(method='asymp')</c>); chi-square on reference-binned counts, no correction; JS with
/// base-2 logarithm on the same bins as PSI.
/// </summary>
/// <param name="PsiBins">Number of quantile bins of the reference.</param>
/// <param name="EmptyBinShare">Share substituted for an empty bin (PSI, JS).</param>
/// <param name="KsMethod"><c>asymp</c> (the only method implemented).</param>
public sealed record StatisticPins(int PsiBins = 10, double EmptyBinShare = 1e-4, string KsMethod = "asymp")
{
    /// <summary>The pins every plan uses unless it states its own.</summary>
    public static StatisticPins Default { get; } = new();
}

/// <summary>
/// A post-market monitoring plan (EU AI Act Art. 72), stated by the model owner when requesting approval and signed by
/// the risk officers with it (it is in the approval attestation's predicate).
/// </summary>
/// <param name="ReferenceDatasetDigest">Digest (<c>sha256:&lt;64 hex&gt;</c>) of a dataset registered for this version
/// (training or validation) that production samples are compared with.</param>
/// <param name="ReferenceRows">Rows in the reference; with at most 1,000 the default tests are KS and chi-square at
/// p &lt; 0.05, above that normalised Wasserstein and JS distance &#8805; 0.1 (PSI always).</param>
/// <param name="Features">The monitored input features (data drift; also feature skew, training vs serving).</param>
/// <param name="Prediction">The score column (prediction drift).</param>
/// <param name="Pins">The computational choices (bins, empty-bin share, KS method).</param>
/// <param name="Correction">Multiple-testing correction of the report's p-value tests.</param>
/// <param name="DatasetDriftShare">Dataset drift when at least this share of monitored features drift (0.5); decided on
/// the distance statistics, not raw p-values.</param>
/// <param name="CadenceDays">At most this many days between reports; no more than the risk tier allows.</param>
/// <param name="OnBreach">What a breach does to the approval.</param>
/// <param name="DrainPeriod">With <see cref="BreachAction.Suspend"/>, how long model servers may finish in-flight work
/// before stopping.</param>
/// <param name="Alert">Who is alerted of a breach: subject ids or role names.</param>
public sealed record MonitoringPlan(
    string ReferenceDatasetDigest,
    int ReferenceRows,
    IReadOnlyList<MonitoredFeature> Features,
    MonitoredFeature Prediction,
    StatisticPins Pins,
    MultipleTestingCorrection Correction,
    double DatasetDriftShare,
    int CadenceDays,
    BreachAction OnBreach,
    TimeSpan DrainPeriod,
    IReadOnlyList<string> Alert
);

/// <summary>Cost of each outcome of a binary decision, in the owner's stated unit (e.g. EUR per application).</summary>
public sealed record CostMatrix(double TruePositive, double FalsePositive, double FalseNegative, double TrueNegative);

/// <summary>
/// The decision policy an approval covers: the score threshold(s) the serving layer must apply, the cost matrix they were
/// chosen under and the calibration method, taken from the validation evidence (or the owner's stated inputs). Signed in
/// the approval's predicate; the scoring host refuses to start with any other threshold.
/// </summary>
/// <param name="Thresholds">Ascending score cut-offs in [0, 1]; one for a binary decision (positive when score &#8805;
/// threshold).</param>
/// <param name="Costs">The cost matrix the thresholds minimise, or null when not stated.</param>
/// <param name="CalibrationMethod">e.g. <c>none</c>, <c>platt</c>, <c>isotonic</c>.</param>
public sealed record DecisionPolicy(IReadOnlyList<double> Thresholds, CostMatrix? Costs, string CalibrationMethod);
