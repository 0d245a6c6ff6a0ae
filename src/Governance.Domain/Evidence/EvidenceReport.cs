namespace Governance.Domain.Evidence;

/// <summary>What a report's dataset was to the model: metrics on <see cref="Training"/> data are in-sample.</summary>
public enum DatasetRole
{
    Training,
    Validation,
    Holdout,
}

/// <summary>
/// Explainability and validation evidence for one model version on one dataset, as computed by
/// <c>governance evidence compute</c> (Governance.Explainability) and recorded on the version's stream. Compact by design:
/// per-feature lists hold at most <see cref="EvidenceLimits.MaxFeatures"/> entries and curves at most
/// <see cref="EvidenceLimits.MaxCurvePoints"/> points; per-row SHAP values are not stored, only the digest of the per-row file.
/// </summary>
/// <param name="Kind">The report's format, <see cref="EvidenceLimits.Kind"/>.</param>
/// <param name="ArtifactDigest">SHA-256 of the model artifact the evidence was computed from (<c>sha256:</c> + 64 hex).</param>
/// <param name="ModelFormat"><c>xgboost-json</c>, <c>mlnet-fasttree</c> or <c>mlnet-lightgbm</c>.</param>
/// <param name="DatasetFileDigest">SHA-256 of the CSV file's bytes; it must be a file of a registered dataset.</param>
/// <param name="InSample">True exactly when <paramref name="DatasetRole"/> is training: the metrics are in-sample.</param>
/// <param name="Settings">Everything else the computation depended on (label, positive value, costs, protected groups, repeats).</param>
/// <param name="Seed">The seed of every random draw (permutations, bootstrap).</param>
/// <param name="Build">
/// The build that computed it (assembly versions, runtime, platform): bit-for-bit equality holds on the same build.
/// </param>
/// <param name="Tolerance">The largest absolute difference a recomputation on another platform may show.</param>
public sealed record EvidenceReport(
    string Kind,
    string ArtifactDigest,
    string ModelFormat,
    string DatasetFileDigest,
    DatasetRole? DatasetRole,
    bool InSample,
    int RowCount,
    IReadOnlyDictionary<string, string> Settings,
    int Seed,
    string Build,
    double Tolerance,
    ShapSummary Shap,
    PermutationImportanceSummary Importance,
    ValidationMetrics Metrics,
    IReadOnlyList<BiasAttribute> Bias
);

/// <summary>Limits that keep a report small enough for one event.</summary>
public static class EvidenceLimits
{
    public const string Kind = "explainability-validation/v1";
    public const int MaxFeatures = 200;
    public const int MaxCurvePoints = 200;
    public const int MaxBiasGroups = 50;
    public const int MaxSettings = 50;
}

/// <summary>
/// TreeSHAP summary (margin space): the expected value φ₀, the largest additivity residual
/// <c>max |Σφ + φ₀ − margin|</c> over the rows, per feature the mean |φ| and mean φ, and the SHA-256 of the per-row file
/// (CSV, one row per dataset row, one column per feature then φ₀, values in round-trip notation).
/// </summary>
public sealed record ShapSummary(double ExpectedValue, double AdditivityResidual, IReadOnlyList<FeatureShap> Features, string PerRowDigest);

public sealed record FeatureShap(string Feature, double MeanAbs, double Mean);

/// <summary>Permutation importance by ROC AUC decrease; <paramref name="Method"/> says whose implementation.</summary>
public sealed record PermutationImportanceSummary(string Method, int Repeats, IReadOnlyList<FeatureImportanceValue> Features);

public sealed record FeatureImportanceValue(string Feature, double MeanDecrease, double StandardError);

/// <summary>A curve point: x and y of the curve (FPR/TPR for ROC, recall/precision for PR) at a score threshold.</summary>
public sealed record CurvePoint(double X, double Y, double Threshold);

/// <summary>
/// One reliability bin (Lower, Upper] (the first also holds 0): its row count, mean predicted probability and observed
/// positive rate.
/// </summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double ObservedRate);

public sealed record Confusion(int TruePositive, int FalsePositive, int TrueNegative, int FalseNegative);

public sealed record ThresholdCost(double Threshold, double ExpectedCost);

/// <summary>
/// Cost-sensitive threshold analysis: a row is flagged positive (declined) when its probability is at least the threshold;
/// expected cost per row = (cost_fp·FP + cost_fn·FN) / n over thresholds 0, 0.01, …, 1; the chosen threshold has the least
/// cost (the lowest such threshold on ties); approval rate = share of rows not flagged at it.
/// </summary>
public sealed record ThresholdAnalysis(
    double CostFalsePositive,
    double CostFalseNegative,
    IReadOnlyList<ThresholdCost> Curve,
    double ChosenThreshold,
    double ExpectedCost,
    Confusion Confusion,
    double ApprovalRate
);

/// <summary>Reliability diagram and calibration: ECE, and the slope and intercept of logit(P(y=1)) on logit(p).</summary>
public sealed record CalibrationSummary(
    IReadOnlyList<ReliabilityBin> Bins,
    double ExpectedCalibrationError,
    double Slope,
    double Intercept
);

/// <summary>Discrimination and probability metrics of a binary classifier on one dataset.</summary>
/// <param name="AveragePrecision">The area under the PR curve as average precision (Σ (Rₖ − Rₖ₋₁) Pₖ).</param>
/// <param name="Ks">Kolmogorov–Smirnov statistic: max over thresholds of TPR − FPR.</param>
/// <param name="Gini">2·AUC − 1.</param>
public sealed record ValidationMetrics(
    int Rows,
    int Positives,
    double RocAuc,
    double AveragePrecision,
    double Ks,
    double Gini,
    double Brier,
    double LogLoss,
    IReadOnlyList<CurvePoint> Roc,
    IReadOnlyList<CurvePoint> PrecisionRecall,
    CalibrationSummary Calibration,
    ThresholdAnalysis Threshold
);

/// <summary>
/// One protected attribute's groups at the chosen threshold, each compared with <paramref name="ReferenceGroup"/> (the largest).
/// </summary>
public sealed record BiasAttribute(string Attribute, string Definition, string ReferenceGroup, IReadOnlyList<GroupOutcome> Groups);

/// <summary>
/// A group's outcomes: selection rate (share flagged positive), TPR and FPR (null when the group has no positives or no
/// negatives), the demographic-parity and equal-opportunity differences from the reference group with 95% percentile
/// bootstrap intervals, and whether the group has fewer than 30 rows.
/// </summary>
public sealed record GroupOutcome(
    string Group,
    int Size,
    double SelectionRate,
    double? TruePositiveRate,
    double? FalsePositiveRate,
    double DemographicParityDifference,
    double DemographicParityLow,
    double DemographicParityHigh,
    double? EqualOpportunityDifference,
    double? EqualOpportunityLow,
    double? EqualOpportunityHigh,
    bool SmallGroup
);
