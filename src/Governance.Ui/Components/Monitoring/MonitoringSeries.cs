using Governance.Domain.Monitoring;
using Governance.Ledger.Monitoring;

namespace Governance.Ui.Components.Monitoring;

/// <summary>One report's value of one statistic of one feature.</summary>
/// <param name="Value">The statistic (PSI, distances), or for the p-value tests (KS, chi-square) the p-value compared,
/// adjusted when the plan corrects for multiple testing.</param>
/// <param name="Breach">The report as a whole breached its plan (its verdict, or a breach recorded on the approval).</param>
public sealed record SeriesPoint(string ReportId, DateTimeOffset WindowEnd, double Value, MonitoringVerdict Verdict, bool Breach);

/// <summary>One statistic of one monitored feature (or the score) over a version's reports, oldest first, with the plan's
/// thresholds.</summary>
/// <param name="PValue">The values are p-values: drift below <paramref name="Threshold"/>, not at or above it.</param>
public sealed record StatisticSeries(
    string Feature,
    bool Score,
    DriftStatistic Statistic,
    bool PValue,
    double Threshold,
    double? Watch,
    IReadOnlyList<SeriesPoint> Points
)
{
    /// <summary>The statistic's name as the page shows it.</summary>
    public string Label =>
        Statistic switch
        {
            DriftStatistic.Psi => "PSI",
            DriftStatistic.KolmogorovSmirnov => "KS p-value",
            DriftStatistic.ChiSquare => "Chi-square p-value",
            DriftStatistic.NormalizedWasserstein => "Wasserstein (normalised)",
            _ => "Jensen-Shannon distance",
        };
}

/// <summary>The page's time series: each test of the plan (the approval's signed plan, else the plan each report was judged
/// against) over the reports.</summary>
public static class MonitoringSeries
{
    public static IReadOnlyList<StatisticSeries> Of(
        MonitoringPlan? plan,
        IReadOnlyList<RecordedMonitoringReport> reports,
        IReadOnlySet<string> breachedReportIds
    )
    {
        var ordered = reports.OrderBy(r => r.Report.WindowEnd).ToArray();
        var features = (plan ?? ordered.LastOrDefault()?.Plan) is { } p
            ? p.Features.Select(f => (Feature: f, Score: false)).Append((Feature: p.Prediction, Score: true)).ToArray()
            : [];
        return features
            .SelectMany(pair =>
                pair.Feature.Tests.Select(test =>
                {
                    var points = ordered
                        .Select(r =>
                        {
                            var outcome =
                                r.Report.Features.FirstOrDefault(x => x.Name == pair.Feature.Name)
                                ?? (r.Report.Prediction?.Name == pair.Feature.Name ? r.Report.Prediction : null);
                            var t = outcome?.Tests.FirstOrDefault(x => x.Statistic == test.Statistic);
                            return t is null
                                ? null
                                : new SeriesPoint(
                                    r.ReportId,
                                    r.Report.WindowEnd,
                                    t.PValue is { } pv ? t.AdjustedPValue ?? pv : t.Value,
                                    t.Verdict,
                                    r.Report.Verdict == MonitoringVerdict.Breach || breachedReportIds.Contains(r.ReportId)
                                );
                        })
                        .OfType<SeriesPoint>()
                        .ToArray();
                    return new StatisticSeries(
                        pair.Feature.Name,
                        pair.Score,
                        test.Statistic,
                        test.Statistic is DriftStatistic.KolmogorovSmirnov or DriftStatistic.ChiSquare,
                        test.Threshold,
                        test.WatchThreshold,
                        points
                    );
                })
            )
            .ToArray();
    }
}
