using System.Globalization;
using System.Text.Json;
using Governance.Explainability.Validation;

namespace Governance.Explainability.Tests;

public class MetricsTests
{
    [Fact]
    public void A_hand_computed_case()
    {
        // Scores 0.9 (1), 0.8 (0), 0.7 (1), 0.2 (0): ROC steps (0,.5) (.5,.5) (.5,1) (1,1) → AUC 0.75.
        double[] p = [0.9, 0.8, 0.7, 0.2];
        int[] y = [1, 0, 1, 0];
        Assert.Equal(0.75, BinaryMetrics.RocAuc(p, y), 15);
        // AP = 0.5·1 + 0.5·(2/3).
        Assert.Equal(0.5 + 0.5 * 2 / 3.0, BinaryMetrics.AveragePrecision(p, y), 15);
        Assert.Equal((0.01 + 0.64 + 0.09 + 0.04) / 4, BinaryMetrics.Brier(p, y), 15);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.2) + Math.Log(0.7) + Math.Log(0.8)) / 4, BinaryMetrics.LogLoss(p, y), 15);
        // Tied scores count half: one positive and one negative at 0.5 give AUC 0.5.
        Assert.Equal(0.5, BinaryMetrics.RocAuc([0.5, 0.5], [1, 0]));

        // Costs fp = 1, fn = 5: at t ≤ 0.2 all four flagged (2 FP → 0.5); t in (0.2, 0.7]: 1 FP → 0.25; t in (0.7, 0.8]:
        // 1 FP + 1 FN → 1.5. The cheapest is the lowest threshold of the 0.25 plateau, 0.21.
        var t = BinaryMetrics.Thresholds(p, y, 1, 5);
        Assert.Equal(0.21, t.ChosenThreshold);
        Assert.Equal(0.25, t.ExpectedCost);
        Assert.Equal(new Domain.Evidence.Confusion(2, 1, 1, 0), t.Confusion);
        Assert.Equal(0.25, t.ApprovalRate);
        Assert.Equal(101, t.Curve.Count);
        Assert.Equal(0.5, t.Curve[0].ExpectedCost);
    }

    [Fact]
    public void Reliability_bins_and_expected_calibration_error_by_hand()
    {
        double[] p = [0.05, 0.15, 0.15, 0.95];
        int[] y = [0, 1, 0, 1];
        var c = BinaryMetrics.Calibration(p, y);
        Assert.Equal(10, c.Bins.Count);
        Assert.Equal(1, c.Bins[0].Count);
        Assert.Equal(2, c.Bins[1].Count);
        Assert.Equal(0.5, c.Bins[1].ObservedRate);
        Assert.Equal(1, c.Bins[9].Count);
        // ECE = ¼·|0 − .05| + ½·|.5 − .15| + ¼·|1 − .95|.
        Assert.Equal(0.25 * 0.05 + 0.5 * 0.35 + 0.25 * 0.05, c.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void Metrics_equal_scikit_learn_on_a_fixed_dataset()
    {
        // 1000 rows: probabilities on a 0.01 grid (many ties), labels drawn from a miscalibrated version of them.
        var random = new Random(42);
        var p = new double[1000];
        var y = new int[1000];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = Math.Round(Math.Clamp(random.NextDouble(), 0.01, 0.99), 2);
            y[i] = random.NextDouble() < 0.1 + 0.7 * p[i] * p[i] ? 1 : 0;
        }
        var folder = Reference.NewFolder("sklearn");
        try
        {
            var csv = Path.Combine(folder, "scores.csv");
            File.WriteAllLines(csv, ["p,y", .. p.Select((v, i) => $"{v.ToString("R", CultureInfo.InvariantCulture)},{y[i]}")]);
            Reference.Run("sklearn_metrics.py", csv, Path.Combine(folder, "out.json"));
            using var sk = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "out.json")));
            double S(string name) => sk.RootElement.GetProperty(name).GetDouble();

            var m = BinaryMetrics.Compute(p, y, 1, 5);
            Assert.Equal(S("roc_auc"), m.RocAuc, 12);
            Assert.Equal(S("average_precision"), m.AveragePrecision, 12);
            Assert.Equal(S("brier"), m.Brier, 12);
            Assert.Equal(S("log_loss"), m.LogLoss, 12);
            Assert.Equal(S("ks"), m.Ks, 12);
            Assert.Equal(2 * S("roc_auc") - 1, m.Gini, 12);
            // lbfgs stops at its own tolerance; Newton–Raphson converges to the same maximum.
            Assert.Equal(S("calibration_slope"), m.Calibration.Slope, 4);
            Assert.Equal(S("calibration_intercept"), m.Calibration.Intercept, 4);
            var observed = sk.RootElement.GetProperty("reliability_observed").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var predicted = sk.RootElement.GetProperty("reliability_predicted").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var bins = m.Calibration.Bins.Where(b => b.Count > 0).ToArray();
            Assert.Equal(observed.Length, bins.Length);
            for (var b = 0; b < bins.Length; b++)
            {
                Assert.Equal(observed[b], bins[b].ObservedRate, 12);
                Assert.Equal(predicted[b], bins[b].MeanPredicted, 12);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Curves_are_down_sampled_to_200_points_keeping_both_ends()
    {
        var random = new Random(3);
        var p = Enumerable.Range(0, 5000).Select(_ => random.NextDouble()).ToArray();
        var y = p.Select(v => random.NextDouble() < v ? 1 : 0).ToArray();
        var m = BinaryMetrics.Compute(p, y, 1, 1);
        Assert.Equal(200, m.Roc.Count);
        Assert.Equal((0.0, 0.0), (m.Roc[0].X, m.Roc[0].Y));
        Assert.Equal((1.0, 1.0), (m.Roc[^1].X, m.Roc[^1].Y));
        Assert.True(m.PrecisionRecall.Count <= 200);
    }
}
