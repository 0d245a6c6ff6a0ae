using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Monitoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Demo;

/// <summary>
/// The demo's post-market monitoring files: references and daily production samples carrying the model's own score, and the
/// reports computed from them with the product's statistics (<see cref="MonitoringComputation"/>), never hand-written.
/// Every file is plain CSV with an unquoted header, so <c>governance monitor</c> reads the same bytes.
/// </summary>
internal static class DemoMonitoring
{
    /// <summary>The column with the model's probability of the positive class (prediction drift is tested on it).</summary>
    public const string ScoreColumn = "score";

    /// <summary>Daily reports recorded per monitored version: a month.</summary>
    public const int Days = 30;

    /// <summary>Rows in each daily production sample.</summary>
    public const int SampleRows = 1000;

    /// <summary>The day (1-based) from which the fraud model's production traffic drifts.</summary>
    public const int FraudDriftStartsOnDay = 15;

    /// <summary>How far the fraud traffic has drifted on a day (<see cref="FraudDemo.Generate"/>): none before mid-month,
    /// then an online-shopping campaign growing over four days.</summary>
    public static double FraudDrift(int day) => day < FraudDriftStartsOnDay ? 0 : Math.Min(1, 0.4 + 0.2 * (day - FraudDriftStartsOnDay));

    /// <summary>The window of day <paramref name="day"/> (1 to <see cref="Days"/>): whole UTC days ending at midnight before
    /// <paramref name="now"/>, so the last window has ended.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Window(DateTimeOffset now, int day)
    {
        var start = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(day - Days - 1);
        return (start, start.AddDays(1));
    }

    /// <summary>Writes <paramref name="rows"/> under <paramref name="header"/> to <paramref name="path"/> with a last
    /// <see cref="ScoreColumn"/>: the probability the model at <paramref name="artifactPath"/> gives each row.</summary>
    public static DemoFile WriteScored(
        string path,
        string header,
        IReadOnlyList<string> rows,
        string artifactPath,
        TextLoader.Column[] columns
    )
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DemoTraining.WriteCsv(path, header, rows);
        var ml = new MLContext(seed: DemoTraining.Seed);
        ITransformer model;
        using (var stream = File.OpenRead(artifactPath))
            model = ml.Model.Load(stream, out _);
        var loader = ml.Data.CreateTextLoader(columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
        var scores = model.Transform(loader.Load(path)).GetColumn<float>("Probability").ToArray();
        DemoTraining.WriteCsv(
            path,
            $"{header},{ScoreColumn}",
            rows.Select((r, i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r},{scores[i]:0.000000}"))
        );
        return DemoFile.Of(path);
    }

    /// <summary>A demo CSV as the monitoring computation reads it (no quoted commas in the demo's files).</summary>
    public static MonitoringTable Read(string label, string path)
    {
        var lines = File.ReadAllLines(path);
        return new MonitoringTable(
            label,
            lines[0].Split(','),
            lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray(),
            Digest.OfBytes(File.ReadAllBytes(path))
        );
    }

    /// <summary>A plan with the product's default tests for the reference's size (<see cref="MonitoringPlanRules"/>).</summary>
    public static MonitoringPlan Plan(
        string referenceDigest,
        int referenceRows,
        IEnumerable<(string Name, FeatureKind Kind)> features,
        int cadenceDays,
        BreachAction onBreach,
        IReadOnlyList<string> alert
    ) =>
        new(
            referenceDigest,
            referenceRows,
            features.Select(f => MonitoringPlanRules.DefaultFeature(f.Name, f.Kind, referenceRows)).ToArray(),
            MonitoringPlanRules.DefaultFeature(ScoreColumn, FeatureKind.Numeric, referenceRows),
            StatisticPins.Default,
            MultipleTestingCorrection.None,
            0.5,
            cadenceDays,
            onBreach,
            TimeSpan.Zero,
            alert
        );

    /// <summary>The report of one sample against the reference, computed as <c>governance monitor</c> computes it.</summary>
    public static MonitoringReport Compute(
        MonitoringPlan plan,
        string referencePath,
        string samplePath,
        DateTimeOffset start,
        DateTimeOffset end
    ) =>
        MonitoringComputation.Compute(
            plan,
            MonitoringComparison.Drift,
            Read("reference", referencePath),
            Read("sample", samplePath),
            start,
            end
        );
}
