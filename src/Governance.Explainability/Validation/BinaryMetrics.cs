using Governance.Domain.Evidence;
using MathNet.Numerics.LinearAlgebra;

namespace Governance.Explainability.Validation;

/// <summary>
/// Discrimination, probability and calibration metrics of a binary classifier, defined as scikit-learn 1.2 computes them
/// (the tests compare with it): ROC AUC by the trapezoidal rule over distinct thresholds (ties count half), average
/// precision as Σ (Rₖ − Rₖ₋₁)·Pₖ, log loss with probabilities clipped to [1e-15, 1 − 1e-15]. Every sum runs in row or
/// threshold order, so results are bit-for-bit reproducible. Labels are 1 (positive) or 0; scores are probabilities where
/// a metric needs them (Brier, log loss, calibration, thresholds) and any monotone score otherwise.
/// </summary>
public static class BinaryMetrics
{
    private const double Clip = 1e-15;

    /// <summary>All metrics of <paramref name="probabilities"/> against <paramref name="labels"/>, curves down-sampled to
    /// <see cref="EvidenceLimits.MaxCurvePoints"/> points.</summary>
    /// <exception cref="ArgumentException">When lengths differ or a class is absent.</exception>
    public static ValidationMetrics Compute(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels, double costFp, double costFn)
    {
        var roc = RocCurve(probabilities, labels);
        var auc = RocAuc(probabilities, labels);
        return new ValidationMetrics(
            labels.Count,
            labels.Sum(),
            auc,
            AveragePrecision(probabilities, labels),
            roc.Max(p => p.Y - p.X),
            2 * auc - 1,
            Brier(probabilities, labels),
            LogLoss(probabilities, labels),
            DownSample(roc),
            DownSample(PrecisionRecallCurve(probabilities, labels)),
            Calibration(probabilities, labels),
            Thresholds(probabilities, labels, costFp, costFn)
        );
    }

    /// <summary>
    /// ROC points (FPR, TPR) from (0, 0), one per distinct score from the highest down; the first point's threshold is the
    /// highest score + 1, as scikit-learn 1.2 writes it (a finite number, so that it survives JSON).
    /// </summary>
    public static IReadOnlyList<CurvePoint> RocCurve(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var (positives, negatives) = Counts(labels);
        var points = new List<CurvePoint> { new(0, 0, scores.Max() + 1) };
        foreach (var (threshold, tp, fp) in Steps(scores, labels))
            points.Add(new CurvePoint((double)fp / negatives, (double)tp / positives, threshold));
        return points;
    }

    /// <summary>Area under the ROC curve (trapezoidal over distinct thresholds: tied scores count half).</summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var roc = RocCurve(scores, labels);
        var area = 0.0;
        for (var i = 1; i < roc.Count; i++)
            area += (roc[i].X - roc[i - 1].X) * (roc[i].Y + roc[i - 1].Y) / 2;
        return area;
    }

    /// <summary>PR points (recall, precision), one per distinct score from the highest down.</summary>
    public static IReadOnlyList<CurvePoint> PrecisionRecallCurve(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var (positives, _) = Counts(labels);
        return Steps(scores, labels)
            .Select(s => new CurvePoint((double)s.Tp / positives, (double)s.Tp / (s.Tp + s.Fp), s.Threshold))
            .ToList();
    }

    /// <summary>Average precision: Σ over distinct thresholds of (Rₖ − Rₖ₋₁)·Pₖ, R₀ = 0.</summary>
    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var sum = 0.0;
        var previousRecall = 0.0;
        foreach (var p in PrecisionRecallCurve(scores, labels))
        {
            sum += (p.X - previousRecall) * p.Y;
            previousRecall = p.X;
        }
        return sum;
    }

    /// <summary>Mean squared difference of probability and label.</summary>
    public static double Brier(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels)
    {
        var sum = 0.0;
        for (var i = 0; i < labels.Count; i++)
            sum += (probabilities[i] - labels[i]) * (probabilities[i] - labels[i]);
        return sum / labels.Count;
    }

    /// <summary>Mean negative log-likelihood (natural log), probabilities clipped to [1e-15, 1 − 1e-15].</summary>
    public static double LogLoss(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels)
    {
        var sum = 0.0;
        for (var i = 0; i < labels.Count; i++)
        {
            var p = Math.Clamp(probabilities[i], Clip, 1 - Clip);
            sum -= labels[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
        }
        return sum / labels.Count;
    }

    /// <summary>
    /// Reliability diagram over <paramref name="bins"/> equal-width bins (lower, upper] of [0, 1], the expected
    /// calibration error Σ (nᵦ/n)·|observed − mean predicted|, and the calibration slope and intercept: the coefficients of
    /// an unpenalised logistic regression of the label on logit(p) (Cox 1958), fitted by Newton–Raphson on MathNet.Numerics.
    /// A well-calibrated model has slope 1 and intercept 0.
    /// </summary>
    public static CalibrationSummary Calibration(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels, int bins = 10)
    {
        var count = new int[bins];
        var predicted = new double[bins];
        var observed = new double[bins];
        for (var i = 0; i < labels.Count; i++)
        {
            // scikit-learn's calibration_curve: the bin is the number of inner edges k·(1/bins) strictly below p, so a
            // bin is (lower, upper] and the first also holds 0.
            var b = 0;
            while (b < bins - 1 && (b + 1) * (1.0 / bins) < probabilities[i])
                b++;
            count[b]++;
            predicted[b] += probabilities[i];
            observed[b] += labels[i];
        }
        var result = new List<ReliabilityBin>(bins);
        var ece = 0.0;
        for (var b = 0; b < bins; b++)
        {
            var meanPredicted = count[b] > 0 ? predicted[b] / count[b] : 0;
            var rate = count[b] > 0 ? observed[b] / count[b] : 0;
            ece += (double)count[b] / labels.Count * Math.Abs(rate - meanPredicted);
            result.Add(new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, count[b], meanPredicted, rate));
        }
        var (intercept, slope) = LogisticFit(probabilities.Select(p => Logit(Math.Clamp(p, Clip, 1 - Clip))).ToArray(), labels);
        return new CalibrationSummary(result, ece, slope, intercept);
    }

    /// <summary>
    /// Expected cost per row over thresholds 0, 0.01, …, 1 (a row is flagged positive when p ≥ t), the cheapest threshold
    /// (lowest on ties), its confusion matrix and approval rate (share not flagged).
    /// </summary>
    public static ThresholdAnalysis Thresholds(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels, double costFp, double costFn)
    {
        if (!(costFp >= 0 && costFn >= 0 && double.IsFinite(costFp) && double.IsFinite(costFn)))
            throw new ArgumentException("Costs must be finite and non-negative.");
        var curve = new List<ThresholdCost>(101);
        var best = 0;
        for (var k = 0; k <= 100; k++)
        {
            var c = ConfusionAt(probabilities, labels, k / 100.0);
            curve.Add(new ThresholdCost(k / 100.0, (costFp * c.FalsePositive + costFn * c.FalseNegative) / labels.Count));
            if (curve[k].ExpectedCost < curve[best].ExpectedCost)
                best = k;
        }
        var chosen = ConfusionAt(probabilities, labels, best / 100.0);
        return new ThresholdAnalysis(
            costFp,
            costFn,
            curve,
            best / 100.0,
            curve[best].ExpectedCost,
            chosen,
            (double)(chosen.TrueNegative + chosen.FalseNegative) / labels.Count
        );
    }

    /// <summary>The confusion matrix when rows with p ≥ <paramref name="threshold"/> are flagged positive.</summary>
    public static Confusion ConfusionAt(IReadOnlyList<double> probabilities, IReadOnlyList<int> labels, double threshold)
    {
        int tp = 0,
            fp = 0,
            tn = 0,
            fn = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var flagged = probabilities[i] >= threshold;
            if (flagged && labels[i] == 1)
                tp++;
            else if (flagged)
                fp++;
            else if (labels[i] == 1)
                fn++;
            else
                tn++;
        }
        return new Confusion(tp, fp, tn, fn);
    }

    /// <summary>Keeps at most <see cref="EvidenceLimits.MaxCurvePoints"/> points, evenly spaced by index, first and last kept.</summary>
    public static IReadOnlyList<CurvePoint> DownSample(IReadOnlyList<CurvePoint> points)
    {
        const int max = EvidenceLimits.MaxCurvePoints;
        if (points.Count <= max)
            return points;
        var result = new List<CurvePoint>(max);
        for (var k = 0; k < max; k++)
            result.Add(points[(int)Math.Round((double)k * (points.Count - 1) / (max - 1))]);
        return result;
    }

    private static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>Newton–Raphson for y ~ Bernoulli(σ(a + b·x)); stops when the step is below 1e-12 or after 100 steps.</summary>
    private static (double Intercept, double Slope) LogisticFit(double[] x, IReadOnlyList<int> y)
    {
        var beta = Vector<double>.Build.Dense(2);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var gradient = Vector<double>.Build.Dense(2);
            var hessian = Matrix<double>.Build.Dense(2, 2);
            for (var i = 0; i < x.Length; i++)
            {
                var p = 1 / (1 + Math.Exp(-(beta[0] + beta[1] * x[i])));
                var w = p * (1 - p);
                gradient[0] += y[i] - p;
                gradient[1] += (y[i] - p) * x[i];
                hessian[0, 0] += w;
                hessian[0, 1] += w * x[i];
                hessian[1, 1] += w * x[i] * x[i];
            }
            hessian[1, 0] = hessian[0, 1];
            var step = hessian.Solve(gradient);
            beta += step;
            if (step.AbsoluteMaximum() < 1e-12)
                break;
        }
        return (beta[0], beta[1]);
    }

    private static (int Positives, int Negatives) Counts(IReadOnlyList<int> labels)
    {
        var positives = labels.Count(l => l == 1);
        var negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("Metrics need both positive and negative rows.", nameof(labels));
        return (positives, negatives);
    }

    /// <summary>Cumulative true and false positives at each distinct score, from the highest down.</summary>
    private static IEnumerable<(double Threshold, int Tp, int Fp)> Steps(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        if (scores.Count != labels.Count)
            throw new ArgumentException($"{scores.Count} scores for {labels.Count} labels.", nameof(scores));
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        int tp = 0,
            fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]] == 1)
                tp++;
            else
                fp++;
            if (k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]])
                yield return (scores[order[k]], tp, fp);
        }
    }
}
