using Governance.Domain.Shared;

namespace Governance.Domain.Monitoring;

/// <summary>What a monitoring plan must be for its reports to be computable and judged (each problem named by its field).</summary>
public static class MonitoringPlanRules
{
    /// <summary>The tests a plan may run on a categorical feature: binned on its categories (no order, so no KS or Wasserstein).</summary>
    public static readonly IReadOnlyList<DriftStatistic> Categorical =
    [
        DriftStatistic.Psi,
        DriftStatistic.ChiSquare,
        DriftStatistic.JensenShannon,
    ];

    /// <summary>Adds every problem with <paramref name="plan"/> to <paramref name="check"/> under <paramref name="field"/>.</summary>
    public static void Check(MonitoringPlan plan, InputCheck check, string field)
    {
        check.Sha256(plan.ReferenceDatasetDigest, $"{field}.referenceDatasetDigest");
        if (plan.ReferenceRows < 1)
            check.Fail($"{field}.referenceRows", "must be at least 1");
        if (plan.Pins is null)
            check.Fail($"{field}.pins", "are required (bins, empty-bin share, KS method)");
        else
        {
            if (plan.Pins.PsiBins is < 2 or > 100)
                check.Fail($"{field}.pins.psiBins", "must be between 2 and 100");
            if (plan.Pins.EmptyBinShare is not (> 0 and <= 0.01))
                check.Fail($"{field}.pins.emptyBinShare", "must be above 0 and at most 0.01");
            if (plan.Pins.KsMethod != "asymp")
                check.Fail($"{field}.pins.ksMethod", "must be 'asymp' (scipy's ks_2samp(method='asymp'), the method implemented)");
        }
        if (!Enum.IsDefined(plan.Correction))
            check.Fail($"{field}.correction", $"must be one of: {string.Join(", ", Enum.GetNames<MultipleTestingCorrection>())}");
        if (plan.DatasetDriftShare is not (> 0 and <= 1))
            check.Fail($"{field}.datasetDriftShare", "must be above 0 and at most 1");
        if (plan.Features is null || plan.Features.Count == 0)
            check.Fail($"{field}.features", "must name at least one monitored feature");
        else if (plan.Features.Count > 1000)
            check.Fail($"{field}.features", "must be at most 1000");
        else
            for (var i = 0; i < plan.Features.Count; i++)
                Feature(plan.Features[i], check, $"{field}.features[{i}]");
        if (plan.Prediction is null)
            check.Fail($"{field}.prediction", "is required: the score column (prediction drift)");
        else
            Feature(plan.Prediction, check, $"{field}.prediction");
        var names = (plan.Features ?? []).Where(f => f is not null).Select(f => f.Name).Append(plan.Prediction?.Name);
        if (names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            check.Fail($"{field}.features", $"name the column '{twice.Key}' more than once");
    }

    private static void Feature(MonitoredFeature? feature, InputCheck check, string field)
    {
        if (feature is null)
        {
            check.Fail(field, "is required");
            return;
        }
        check.Required(feature.Name, $"{field}.name", 200);
        check.Defined<FeatureKind>(feature.Kind, $"{field}.kind");
        if (feature.Tests is null || feature.Tests.Count == 0)
        {
            check.Fail($"{field}.tests", "must hold at least one test");
            return;
        }
        for (var j = 0; j < feature.Tests.Count; j++)
        {
            var (test, t) = (feature.Tests[j], $"{field}.tests[{j}]");
            if (test is null || !Enum.IsDefined(test.Statistic))
            {
                check.Fail(t, $"must name a statistic: one of {string.Join(", ", Enum.GetNames<DriftStatistic>())}");
                continue;
            }
            if (feature.Kind == FeatureKind.Categorical && !Categorical.Contains(test.Statistic))
                check.Fail(
                    $"{t}.statistic",
                    $"{test.Statistic} needs ordered values: a categorical feature takes {string.Join(", ", Categorical)}"
                );
            if (feature.Tests.Take(j).Any(o => o?.Statistic == test.Statistic))
                check.Fail($"{t}.statistic", $"{test.Statistic} is already tested on this feature");
            if (MonitoringVerdicts.IsPValueTest(test.Statistic))
            {
                if (test.Threshold is not (> 0 and < 1))
                    check.Fail($"{t}.threshold", "is a significance level: above 0 and below 1 (0.05)");
                if (test.WatchThreshold is not null)
                    check.Fail($"{t}.watchThreshold", "must be absent for a p-value test");
            }
            else
            {
                if (!(test.Threshold > 0 && double.IsFinite(test.Threshold)))
                    check.Fail($"{t}.threshold", "must be a finite number above 0");
                if (test.WatchThreshold is { } watch && !(watch > 0 && watch < test.Threshold))
                    check.Fail($"{t}.watchThreshold", "must be above 0 and below the threshold");
            }
        }
    }
}
