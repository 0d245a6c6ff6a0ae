namespace Governance.Domain.Monitoring;

/// <summary>
/// The one definition of a monitoring report's verdicts from its statistics and the plan's thresholds, used both to compute
/// a report (Governance.Monitoring) and by the ledger to refuse a report whose stated verdicts do not follow.
/// <list type="bullet">
/// <item>A p-value test (KS, chi-square) drifts when its p-value, adjusted when the plan says (Benjamini-Hochberg over every
/// p-value test of the report, features then prediction), is below the threshold; otherwise stable.</item>
/// <item>A distance test (PSI, normalised Wasserstein, JS) drifts at or above its threshold, is on watch at or above its watch
/// level, otherwise stable.</item>
/// <item>A feature's verdict is the worst of its tests'.</item>
/// <item>Dataset drift: at least the plan's <c>DatasetDriftShare</c> of the features drift on a distance test (raw p-values
/// do not count: with large samples they flag negligible differences).</item>
/// <item>The report is a <see cref="MonitoringVerdict.Breach"/> on dataset drift or when the prediction drifts; else the worst
/// feature verdict (drift, watch, stable).</item>
/// </list>
/// </summary>
public static class MonitoringVerdicts
{
    /// <summary>The report with adjusted p-values, every verdict, the drifted share and dataset drift recomputed from its
    /// statistics (<see cref="TestOutcome.Value"/>, <see cref="TestOutcome.PValue"/>) and the plan's thresholds.</summary>
    public static MonitoringReport Judge(MonitoringPlan plan, MonitoringReport report)
    {
        var all = report.Features.Concat(report.Prediction is null ? [] : [report.Prediction]).ToArray();
        var raw = all.SelectMany(f => f.Tests).Where(t => IsPValueTest(t.Statistic)).Select(t => t.PValue ?? 1.0).ToArray();
        var adjusted = plan.Correction == MultipleTestingCorrection.BenjaminiHochberg ? BenjaminiHochberg(raw) : raw;
        var next = 0;
        FeatureOutcome JudgeFeature(FeatureOutcome feature)
        {
            var tests = feature
                .Tests.Select(t =>
                {
                    if (!IsPValueTest(t.Statistic))
                        return t with
                        {
                            PValue = null,
                            AdjustedPValue = null,
                            Verdict = DistanceVerdict(t.Value, t.Threshold, t.WatchThreshold),
                        };
                    var p = adjusted[next++];
                    return t with { AdjustedPValue = p, Verdict = p < t.Threshold ? MonitoringVerdict.Drift : MonitoringVerdict.Stable };
                })
                .ToArray();
            return feature with { Tests = tests, Verdict = tests.Length == 0 ? MonitoringVerdict.Stable : tests.Max(t => t.Verdict) };
        }
        var features = report.Features.Select(JudgeFeature).ToArray();
        var prediction = report.Prediction is null ? null : JudgeFeature(report.Prediction);
        var drifted = features.Count(f => f.Tests.Any(t => !IsPValueTest(t.Statistic) && t.Verdict == MonitoringVerdict.Drift));
        var share = features.Length == 0 ? 0 : (double)drifted / features.Length;
        var datasetDrift = features.Length > 0 && share >= plan.DatasetDriftShare;
        var worst = features.Select(f => f.Verdict).Append(prediction?.Verdict ?? MonitoringVerdict.Stable).Max();
        var verdict = datasetDrift || prediction?.Verdict == MonitoringVerdict.Drift ? MonitoringVerdict.Breach : worst;
        return report with
        {
            Features = features,
            Prediction = prediction,
            DriftedShare = share,
            DatasetDrift = datasetDrift,
            Verdict = verdict,
        };
    }

    /// <summary>
    /// What a <see cref="MonitoringVerdict.Breach"/> report breached, as a breach records it: every drifting test of its
    /// features and of the score, with the statistic's value (the adjusted p-value for a p-value test) and the threshold.
    /// Empty for a report that is not a breach.
    /// </summary>
    public static IReadOnlyList<BreachingFeature> Breaching(MonitoringReport report) =>
        report.Verdict != MonitoringVerdict.Breach
            ? []
            : report
                .Features.Concat(report.Prediction is null ? [] : [report.Prediction])
                .SelectMany(f =>
                    f.Tests.Where(t => t.Verdict == MonitoringVerdict.Drift)
                        .Select(t => new BreachingFeature(
                            f.Name,
                            t.Statistic,
                            IsPValueTest(t.Statistic) ? t.AdjustedPValue ?? t.PValue ?? 1.0 : t.Value,
                            t.Threshold
                        ))
                )
                .ToArray();

    /// <summary>Whether the statistic is judged by its p-value (KS, chi-square) rather than its size.</summary>
    public static bool IsPValueTest(DriftStatistic statistic) => statistic is DriftStatistic.KolmogorovSmirnov or DriftStatistic.ChiSquare;

    /// <summary>A distance statistic's verdict: drift at or above <paramref name="threshold"/>, watch at or above
    /// <paramref name="watch"/>, else stable.</summary>
    public static MonitoringVerdict DistanceVerdict(double value, double threshold, double? watch) =>
        value >= threshold ? MonitoringVerdict.Drift
        : watch is { } w && value >= w ? MonitoringVerdict.Watch
        : MonitoringVerdict.Stable;

    /// <summary>
    /// Benjamini-Hochberg adjusted p-values (Benjamini &amp; Hochberg 1995, "Controlling the false discovery rate", JRSS B
    /// 57(1)), in the input's order: p_(i) m / i made monotone from the largest down and capped at 1, as R's
    /// <c>p.adjust(method = "BH")</c> and statsmodels' <c>multipletests(method='fdr_bh')</c>.
    /// </summary>
    public static double[] BenjaminiHochberg(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            var i = order[rank - 1];
            running = Math.Min(running, pValues[i] * m / rank);
            adjusted[i] = running;
        }
        return adjusted;
    }
}
