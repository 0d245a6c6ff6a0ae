using MathNet.Numerics;

namespace Governance.Monitoring;

/// <summary>
/// The two-sample statistics of a monitoring plan, each written to give scipy's or Evidently's value on the same input
/// (tested against Debian's python3-scipy on fixed samples). Binned statistics take per-bin counts of the reference and the
/// sample on the reference's bins (<see cref="QuantileEdges"/>, <see cref="CountSorted"/>); distribution statistics take
/// both samples sorted ascending, without NaN.
/// </summary>
public static class DriftStatistics
{
    /// <summary>
    /// The interior edges of <paramref name="bins"/> quantile bins of a sorted reference: its quantiles at k/bins for
    /// k = 1..bins-1 by linear interpolation (Hyndman &amp; Fan's definition 7, numpy's default <c>np.quantile</c>), repeated
    /// values kept once. Bin i then holds values x with edges[i-1] &lt; x &#8804; edges[i], and the outer bins are open, so no
    /// production value falls outside every bin.
    /// </summary>
    public static double[] QuantileEdges(double[] sortedReference, int bins)
    {
        var edges = new List<double>(bins - 1);
        for (var k = 1; k < bins; k++)
        {
            var q = Quantile(sortedReference, (double)k / bins);
            if (edges.Count == 0 || q > edges[^1])
                edges.Add(q);
        }
        return [.. edges];
    }

    /// <summary>
    /// The quantile <paramref name="q"/> of a sorted sample by linear interpolation, computed as numpy 1.24's
    /// <c>np.quantile(method='linear')</c> does (<c>_lerp</c>: from the upper neighbour when the weight is at least 1/2), so
    /// that an edge, and hence which bin a value on it falls in, is the same to the last bit as an auditor's numpy gives.
    /// (MathNet's <c>QuantileCustom(..., QuantileDefinition.R7)</c> is the same definition but can differ in the last bit.)
    /// </summary>
    public static double Quantile(double[] sorted, double q)
    {
        var virtualIndex = (sorted.Length - 1) * q;
        var previous = Math.Floor(virtualIndex);
        var below = (int)previous;
        var above = Math.Min(below + 1, sorted.Length - 1);
        var gamma = virtualIndex - previous;
        double a = sorted[below],
            b = sorted[above],
            difference = b - a;
        return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
    }

    /// <summary>Counts of a sorted sample in the bins <paramref name="edges"/> define (edges.Length + 1 bins).</summary>
    public static long[] CountSorted(ReadOnlySpan<double> sorted, ReadOnlySpan<double> edges)
    {
        var counts = new long[edges.Length + 1];
        var below = 0;
        for (var i = 0; i < edges.Length; i++)
        {
            var upTo = UpperBound(sorted, edges[i]);
            counts[i] = upTo - below;
            below = upTo;
        }
        counts[^1] = sorted.Length - below;
        return counts;
    }

    /// <summary>Counts of an unsorted sample in the bins <paramref name="edges"/> define: a binary search per value.</summary>
    public static long[] Count(ReadOnlySpan<double> values, ReadOnlySpan<double> edges)
    {
        var counts = new long[edges.Length + 1];
        foreach (var x in values)
        {
            // The first edge at or above x is x's bin (right-closed bins), as numpy's searchsorted(edges, x, side='left').
            int lo = 0,
                hi = edges.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (edges[mid] < x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            counts[lo]++;
        }
        return counts;
    }

    /// <summary>Each bin's share of the total, an empty bin's share replaced by <paramref name="emptyShare"/> (not
    /// renormalised), as Evidently's binned tests do.</summary>
    public static double[] Shares(ReadOnlySpan<long> counts, double emptyShare)
    {
        long total = 0;
        foreach (var c in counts)
            total += c;
        var shares = new double[counts.Length];
        for (var i = 0; i < counts.Length; i++)
            shares[i] = counts[i] == 0 ? emptyShare : (double)counts[i] / total;
        return shares;
    }

    /// <summary>
    /// Population stability index: sum over bins of (s - r) ln(s / r), r and s the reference's and the sample's shares with
    /// empty bins at <paramref name="emptyShare"/> (Siddiqi 2006, "Credit Risk Scorecards", ch. 8; Evidently's <c>psi</c>).
    /// </summary>
    public static double Psi(ReadOnlySpan<long> reference, ReadOnlySpan<long> sample, double emptyShare)
    {
        var r = Shares(reference, emptyShare);
        var s = Shares(sample, emptyShare);
        var psi = 0.0;
        for (var i = 0; i < r.Length; i++)
            psi += (s[i] - r[i]) * Math.Log(s[i] / r[i]);
        return psi;
    }

    /// <summary>
    /// Jensen-Shannon distance with base-2 logarithm, in [0, 1], between the binned shares (empty bins at
    /// <paramref name="emptyShare"/>), as <c>scipy.spatial.distance.jensenshannon(r, s, base=2)</c>: both normalised to sum 1,
    /// m = (r + s) / 2, sqrt((KL(r‖m) + KL(s‖m)) / 2) (Lin 1991, "Divergence measures based on the Shannon entropy").
    /// </summary>
    public static double JensenShannon(ReadOnlySpan<long> reference, ReadOnlySpan<long> sample, double emptyShare)
    {
        var p = Shares(reference, emptyShare);
        var q = Shares(sample, emptyShare);
        double sp = p.Sum(),
            sq = q.Sum();
        var divergence = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            double pi = p[i] / sp,
                qi = q[i] / sq,
                m = (pi + qi) / 2;
            divergence += RelativeEntropy(pi, m) + RelativeEntropy(qi, m);
        }
        return Math.Sqrt(Math.Max(divergence / Math.Log(2), 0) / 2);
    }

    private static double RelativeEntropy(double x, double y) => x > 0 ? x * Math.Log(x / y) : 0;

    /// <summary>
    /// Pearson's chi-square goodness of fit of the sample's counts to the reference's shares, without continuity correction,
    /// as <c>scipy.stats.chisquare(f_obs, f_exp)</c> with f_exp = the sample size times the reference's shares (empty
    /// reference bins at <paramref name="emptyShare"/>, renormalised to sum 1 so that observed and expected totals agree, as
    /// scipy requires). p = the upper regularised incomplete gamma Q((k-1)/2, X^2/2) (MathNet's
    /// <see cref="SpecialFunctions.GammaUpperRegularized"/>), k bins. With one bin there is no degree of freedom: X^2 = 0, p = 1.
    /// </summary>
    public static (double Statistic, double PValue) ChiSquare(ReadOnlySpan<long> reference, ReadOnlySpan<long> sample, double emptyShare)
    {
        if (reference.Length < 2)
            return (0, 1);
        var shares = Shares(reference, emptyShare);
        var total = shares.Sum();
        long n = 0;
        foreach (var c in sample)
            n += c;
        var statistic = 0.0;
        for (var i = 0; i < shares.Length; i++)
        {
            var expected = n * shares[i] / total;
            var d = sample[i] - expected;
            statistic += d * d / expected;
        }
        return (statistic, SpecialFunctions.GammaUpperRegularized((shares.Length - 1) / 2.0, statistic / 2));
    }

    /// <summary>
    /// First Wasserstein (earth mover's) distance between two sorted samples: the integral of |U(x) - V(x)| over x, U and V
    /// their empirical distribution functions, as <c>scipy.stats.wasserstein_distance(u, v)</c>; in one merge of the two.
    /// </summary>
    public static double Wasserstein(ReadOnlySpan<double> sortedU, ReadOnlySpan<double> sortedV)
    {
        int nu = sortedU.Length,
            nv = sortedV.Length;
        int i = 0,
            j = 0;
        var x = Math.Min(sortedU[0], sortedV[0]);
        var sum = 0.0;
        while (true)
        {
            while (i < nu && sortedU[i] <= x)
                i++;
            while (j < nv && sortedV[j] <= x)
                j++;
            if (i == nu && j == nv)
                return sum;
            var next = Math.Min(i < nu ? sortedU[i] : double.PositiveInfinity, j < nv ? sortedV[j] : double.PositiveInfinity);
            sum += Math.Abs((double)i / nu - (double)j / nv) * (next - x);
            x = next;
        }
    }

    /// <summary>
    /// The normalised Wasserstein distance of Evidently's <c>wasserstein</c> drift test: <see cref="Wasserstein"/> divided by
    /// the reference's population standard deviation (ddof 0, numpy's <c>np.std</c> default), floored at 0.001.
    /// </summary>
    public static double NormalizedWasserstein(
        ReadOnlySpan<double> sortedReference,
        ReadOnlySpan<double> sortedSample,
        double referenceStd
    ) => Wasserstein(sortedReference, sortedSample) / Math.Max(referenceStd, 0.001);

    /// <summary>
    /// Two-sample Kolmogorov-Smirnov test, two-sided, as <c>scipy.stats.ks_2samp(a, b, method='asymp')</c>: D the largest
    /// distance between the empirical distribution functions (right-continuous, so ties count as scipy's searchsorted
    /// 'right'), p = <see cref="KolmogorovDistribution.Survival"/>(round(m n / (m + n)), D).
    /// </summary>
    public static (double Statistic, double PValue) KolmogorovSmirnov(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        int n1 = sortedA.Length,
            n2 = sortedB.Length;
        int i = 0,
            j = 0;
        var d = 0.0;
        while (i < n1 || j < n2)
        {
            var x = Math.Min(i < n1 ? sortedA[i] : double.PositiveInfinity, j < n2 ? sortedB[j] : double.PositiveInfinity);
            while (i < n1 && sortedA[i] <= x)
                i++;
            while (j < n2 && sortedB[j] <= x)
                j++;
            d = Math.Max(d, Math.Abs((double)i / n1 - (double)j / n2));
        }
        double m = Math.Max(n1, n2),
            n = Math.Min(n1, n2);
        var effective = (int)Math.Max(1, Math.Round(m * n / (m + n), MidpointRounding.ToEven));
        return (d, KolmogorovDistribution.Survival(effective, d));
    }

    /// <summary>The number of values at or below <paramref name="x"/> in a sorted span.</summary>
    private static int UpperBound(ReadOnlySpan<double> sorted, double x)
    {
        int lo = 0,
            hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
