using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Monitoring;

/// <summary>
/// What makes a monitoring plan and a decision policy acceptable in an approval request, and the plan's default tests.
/// Every problem is reported as an <see cref="InputCheck"/> field error (e.g. <c>monitoringPlan.features[2].tests[0].threshold</c>),
/// so an owner learns all of them at once. The conventions and their sources are in docs/monitoring-plan.md.
/// </summary>
public static class MonitoringPlanRules
{
    /// <summary>Reference samples up to this many rows get p-value tests by default (KS, chi-square); larger ones get
    /// distances, because with many rows a p-value flags practically irrelevant differences.</summary>
    public const int SmallReferenceRows = 1000;

    /// <summary>Default significance level of the KS and chi-square tests.</summary>
    public const double DefaultPValue = 0.05;

    /// <summary>Default breach level of normalised Wasserstein and Jensen-Shannon distance (Evidently's defaults).</summary>
    public const double DefaultDistance = 0.1;

    /// <summary>PSI "watch" level (credit-scoring convention: &lt; 0.1 stable).</summary>
    public const double PsiWatch = 0.1;

    /// <summary>PSI breach level (credit-scoring convention: &#8805; 0.25 significant shift; some teams use 0.2).</summary>
    public const double PsiBreach = 0.25;

    /// <summary>The longest drain period a plan may state: a suspension must take effect within a day, not run on.</summary>
    public static readonly TimeSpan MaxDrainPeriod = TimeSpan.FromHours(24);

    /// <summary>Most monitored features in one plan.</summary>
    public const int MaxFeatures = 500;

    /// <summary>Most score cut-offs in one decision policy.</summary>
    public const int MaxThresholds = 10;

    /// <summary>The calibration methods a decision policy may name: none, Platt scaling (Platt 1999), isotonic regression
    /// (Zadrozny and Elkan 2002).</summary>
    public static readonly IReadOnlyList<string> CalibrationMethods = ["none", "platt", "isotonic"];

    /// <summary>
    /// The default tests of one feature for a reference of <paramref name="referenceRows"/> rows: PSI (watch 0.1, breach
    /// 0.25) always; with at most <see cref="SmallReferenceRows"/> rows, KS (numeric) or chi-square (categorical) at p &lt;
    /// 0.05; above that, normalised Wasserstein (numeric only) and Jensen-Shannon distance &#8805; 0.1.
    /// </summary>
    public static IReadOnlyList<DriftTest> DefaultTests(FeatureKind kind, int referenceRows)
    {
        var psi = new DriftTest(DriftStatistic.Psi, PsiBreach, PsiWatch);
        if (referenceRows <= SmallReferenceRows)
            return kind == FeatureKind.Numeric
                ? [psi, new DriftTest(DriftStatistic.KolmogorovSmirnov, DefaultPValue)]
                : [psi, new DriftTest(DriftStatistic.ChiSquare, DefaultPValue)];
        return kind == FeatureKind.Numeric
            ?
            [
                psi,
                new DriftTest(DriftStatistic.NormalizedWasserstein, DefaultDistance),
                new DriftTest(DriftStatistic.JensenShannon, DefaultDistance),
            ]
            : [psi, new DriftTest(DriftStatistic.JensenShannon, DefaultDistance)];
    }

    /// <summary>A monitored feature with the <see cref="DefaultTests"/> for its kind and reference size.</summary>
    public static MonitoredFeature DefaultFeature(string name, FeatureKind kind, int referenceRows) =>
        new(name, kind, DefaultTests(kind, referenceRows));

    /// <summary>
    /// The plan as the ledger records it: the reference digest lower-cased, absent pins as <see cref="StatisticPins.Default"/>,
    /// alert entries trimmed. Fields that are not yet valid are left for the checks to name.
    /// </summary>
    public static MonitoringPlan Normalized(MonitoringPlan plan) =>
        plan with
        {
            ReferenceDatasetDigest = Digest.IsSha256(plan.ReferenceDatasetDigest)
                ? Digest.Normalize(plan.ReferenceDatasetDigest)
                : plan.ReferenceDatasetDigest,
            Pins = plan.Pins ?? StatisticPins.Default,
            Alert = plan.Alert?.Select(a => a?.Trim()!).ToArray()!,
        };

    /// <summary>
    /// Checks a plan stated for <paramref name="version"/>: the reference is one of the version's registered datasets
    /// (training or validation); features have unique names and at least one test each, no statistic twice; p-value
    /// thresholds in (0, 1), distances above 0 (JS at most 1), a watch level below its breach level; the pins, correction
    /// and dataset-drift share in range; the cadence at most <paramref name="maxCadenceDays"/> (the risk tier's); a drain
    /// period in [0, <see cref="MaxDrainPeriod"/>]; someone to alert.
    /// </summary>
    public static InputCheck Plan(this InputCheck check, MonitoringPlan? plan, ModelVersion version, int maxCadenceDays, string field)
    {
        if (plan is null)
            return check;
        check.Sha256(plan.ReferenceDatasetDigest, $"{field}.referenceDatasetDigest");
        if (
            Digest.IsSha256(plan.ReferenceDatasetDigest ?? "")
            && Digest.Normalize(plan.ReferenceDatasetDigest!) is var reference
            && reference != version.TrainingDatasetDigest
            && reference != version.ValidationDatasetDigest
        )
            check.Fail(
                $"{field}.referenceDatasetDigest",
                $"must be this version's training ({version.TrainingDatasetDigest}) or validation ({version.ValidationDatasetDigest}) "
                    + "dataset"
            );
        check.Computable(plan, field);
        if (plan.CadenceDays < 1 || plan.CadenceDays > maxCadenceDays)
            check.Fail(
                $"{field}.cadenceDays",
                $"must be 1-{maxCadenceDays}: a {version.RiskTier}-risk model is monitored at least every {maxCadenceDays} days"
            );
        check.Defined<BreachAction>(plan.OnBreach, $"{field}.onBreach");
        if (plan.DrainPeriod < TimeSpan.Zero || plan.DrainPeriod > MaxDrainPeriod)
            check.Fail($"{field}.drainPeriod", $"must be between 0 and {MaxDrainPeriod.TotalHours:0} hours");
        if (plan.Alert is not { Count: > 0 })
            check.Fail($"{field}.alert", "must name at least one subject id or role to alert of a breach");
        else
            check.MaxItems(plan.Alert, $"{field}.alert", 50).RequiredItems(plan.Alert, $"{field}.alert", 200);
        return check;
    }

    /// <summary>
    /// The part of <see cref="Plan"/> that makes a plan's reports computable and judgeable, whoever states it (an approval's
    /// plan, or one stated with a report under an approval that signed none): reference rows, features and their tests,
    /// the score column, pins (absent: the defaults), correction and dataset-drift share.
    /// </summary>
    public static InputCheck Computable(this InputCheck check, MonitoringPlan plan, string field)
    {
        if (plan.ReferenceRows < 1)
            check.Fail($"{field}.referenceRows", "must be at least 1");
        if (plan.Features is not { Count: > 0 })
            check.Fail($"{field}.features", "must list at least one monitored feature");
        else if (plan.Features.Count > MaxFeatures)
            check.Fail($"{field}.features", $"must list at most {MaxFeatures} features");
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < plan.Features.Count; i++)
            {
                check.Feature(plan.Features[i], $"{field}.features[{i}]");
                if (plan.Features[i]?.Name is { } name && !seen.Add(name))
                    check.Fail($"{field}.features[{i}].name", $"'{name}' is monitored twice");
            }
            if (plan.Prediction?.Name is { } score && seen.Contains(score))
                check.Fail($"{field}.prediction.name", $"'{score}' is also an input feature; the score column has its own name");
        }
        if (plan.Prediction is null)
            check.Fail($"{field}.prediction", "is required: the score column and its tests (prediction drift)");
        else
            check.Feature(plan.Prediction, $"{field}.prediction");
        // Left out, the pins are the defaults (StatisticPins.Default), recorded as such.
        if (plan.Pins is not null)
        {
            if (plan.Pins.PsiBins is < 2 or > 100)
                check.Fail($"{field}.pins.psiBins", "must be 2-100");
            if (!(plan.Pins.EmptyBinShare is > 0 and < 0.01))
                check.Fail($"{field}.pins.emptyBinShare", "must be above 0 and below 0.01");
            if (plan.Pins.KsMethod != "asymp")
                check.Fail($"{field}.pins.ksMethod", "must be 'asymp' (the asymptotic distribution; the exact method is not ported)");
        }
        check.Defined<MultipleTestingCorrection>(plan.Correction, $"{field}.correction");
        if (!(plan.DatasetDriftShare is > 0 and <= 1))
            check.Fail($"{field}.datasetDriftShare", "must be above 0 and at most 1 (0.5: half of the monitored features)");
        return check;
    }

    /// <summary>Checks a decision policy: one to <see cref="MaxThresholds"/> strictly ascending thresholds in [0, 1], finite
    /// costs, a calibration method from <see cref="CalibrationMethods"/>.</summary>
    public static InputCheck Policy(this InputCheck check, DecisionPolicy? policy, string field)
    {
        if (policy is null)
            return check;
        if (policy.Thresholds is not { Count: > 0 })
            check.Fail($"{field}.thresholds", "must hold at least one score threshold");
        else if (policy.Thresholds.Count > MaxThresholds)
            check.Fail($"{field}.thresholds", $"must hold at most {MaxThresholds} thresholds");
        else
            for (var i = 0; i < policy.Thresholds.Count; i++)
                if (!(policy.Thresholds[i] is >= 0 and <= 1))
                    check.Fail($"{field}.thresholds[{i}]", "must be a score in [0, 1]");
                else if (i > 0 && policy.Thresholds[i] <= policy.Thresholds[i - 1])
                    check.Fail($"{field}.thresholds[{i}]", "must be above the threshold before it (ascending)");
        if (policy.Costs is { } costs)
            foreach (
                var (name, value) in new[]
                {
                    ("truePositive", costs.TruePositive),
                    ("falsePositive", costs.FalsePositive),
                    ("falseNegative", costs.FalseNegative),
                    ("trueNegative", costs.TrueNegative),
                }
            )
                if (!double.IsFinite(value))
                    check.Fail($"{field}.costs.{name}", "must be a finite number");
        if (policy.CalibrationMethod is null || !CalibrationMethods.Contains(policy.CalibrationMethod))
            check.Fail($"{field}.calibrationMethod", $"must be one of: {string.Join(", ", CalibrationMethods)}");
        return check;
    }

    private static void Feature(this InputCheck check, MonitoredFeature? feature, string field)
    {
        if (feature is null)
        {
            check.Fail(field, "is required");
            return;
        }
        check.Required(feature.Name, $"{field}.name", 200).Defined<FeatureKind>(feature.Kind, $"{field}.kind");
        if (feature.Tests is not { Count: > 0 })
        {
            check.Fail($"{field}.tests", "must hold at least one test");
            return;
        }
        var statistics = new HashSet<DriftStatistic>();
        for (var i = 0; i < feature.Tests.Count; i++)
        {
            var at = $"{field}.tests[{i}]";
            if (feature.Tests[i] is not { } test)
            {
                check.Fail(at, "is required");
                continue;
            }
            check.Defined<DriftStatistic>(test.Statistic, $"{at}.statistic");
            if (!statistics.Add(test.Statistic))
                check.Fail($"{at}.statistic", $"{test.Statistic} is tested twice on this feature");
            if (
                feature.Kind == FeatureKind.Categorical
                && test.Statistic is DriftStatistic.KolmogorovSmirnov or DriftStatistic.NormalizedWasserstein
            )
                check.Fail($"{at}.statistic", $"{test.Statistic} needs numeric values; use ChiSquare, Psi or JensenShannon");
            if (test.Statistic is DriftStatistic.KolmogorovSmirnov or DriftStatistic.ChiSquare)
            {
                if (!(test.Threshold is > 0 and < 1))
                    check.Fail($"{at}.threshold", "is a p-value level: it must be above 0 and below 1 (0.05)");
                if (test.WatchThreshold is not null)
                    check.Fail($"{at}.watchThreshold", "applies to distance statistics only, not to p-value tests");
                continue;
            }
            if (!(test.Threshold > 0 && double.IsFinite(test.Threshold)))
                check.Fail($"{at}.threshold", "is a distance: it must be above 0");
            else if (test.Statistic == DriftStatistic.JensenShannon && test.Threshold > 1)
                check.Fail($"{at}.threshold", "must be at most 1 (Jensen-Shannon distance with base-2 logarithm lies in [0, 1])");
            if (test.WatchThreshold is { } watch && !(watch > 0 && watch < test.Threshold))
                check.Fail($"{at}.watchThreshold", "must be above 0 and below the breach threshold");
        }
    }
}
