using System.Diagnostics;
using System.Text.Json;

namespace Governance.Monitoring.Tests;

/// <summary>
/// Each statistic against Debian's scipy (python3-scipy, installed by <c>./gov test</c>) on fixed samples, run in the test:
/// Python/scipy_reference.py computes the same quantities with numpy and scipy, this compares.
/// </summary>
public sealed class ScipyReferenceTests
{
    private const string Python = "/usr/bin/python3";

    private sealed record Pair(string Name, double[] Reference, double[] Sample);

    /// <summary>Fixed samples (seeded) chosen to reach every branch of the KS p-value and the binning: small and large
    /// effective sizes, small and large D, ties and empty bins.</summary>
    private static IReadOnlyList<Pair> Pairs()
    {
        var random = new Random(15);
        double[] Normal(int n, double mean, double sd) =>
            Enumerable
                .Range(0, n)
                .Select(_ => mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
                .ToArray();
        double[] Integers(int n, int max) => Enumerable.Range(0, n).Select(_ => (double)random.Next(0, max + 1)).ToArray();
        return
        [
            new("slight shift, Pelz-Good", Normal(2000, 0, 1), Normal(3000, 0.1, 1)),
            new("large shift, Smirnov", Normal(2000, 0, 1), Normal(3000, 0.3, 1.2)),
            new("tiny samples", Normal(30, 0, 1), Normal(40, 0.5, 1)),
            new("small same distribution", Normal(100, 5, 2), Normal(100, 5, 2)),
            new("small shift, Pomeranz", Normal(100, 0, 1), Normal(100, 0.3, 1)),
            new("integers with ties and empty bins", Integers(500, 5), Integers(400, 7)),
            new("scale change", Normal(5000, 10, 3), Normal(1000, 10, 4)),
            new("one repeated reference value", [.. Enumerable.Repeat(2.0, 50)], Normal(60, 2, 0.5)),
        ];
    }

    /// <summary>(n, x) points of the one-sample two-sided distribution reaching each branch of scipy's kstwo.sf.</summary>
    private static readonly (int N, double X)[] KolmogorovPoints =
    [
        (10, 0.04),
        (10, 0.08),
        (10, 0.2),
        (10, 0.45),
        (10, 0.95),
        (17, 0.3),
        (50, 0.1),
        (50, 0.2),
        (50, 0.35),
        (100, 0.6),
        (140, 0.12),
        (200, 0.02),
        (200, 0.05),
        (1200, 0.03),
        (1200, 0.05),
        (50000, 0.001),
        (50000, 0.005),
        (50000, 0.01),
        (90909, 0.0006),
        (90909, 0.003),
        (90909, 0.008),
        (200000, 0.002),
    ];

    private static JsonElement RunScipy(IReadOnlyList<Pair> pairs)
    {
        var folder = Directory.CreateTempSubdirectory("monitoring-scipy-").FullName;
        try
        {
            var input = Path.Combine(folder, "pairs.json");
            var output = Path.Combine(folder, "out.json");
            File.WriteAllText(
                input,
                JsonSerializer.Serialize(
                    new
                    {
                        pairs = pairs.Select(p => new
                        {
                            reference = p.Reference,
                            sample = p.Sample,
                            bins = 10,
                            empty = 1e-4,
                        }),
                        kstwo = KolmogorovPoints.Select(p => new[] { p.N, p.X }),
                    }
                )
            );
            var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Python", "scipy_reference.py"));
            start.ArgumentList.Add(input);
            start.ArgumentList.Add(output);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{Python} scipy_reference.py failed; it needs Debian's python3-scipy:\n{stderr.Result}");
            return JsonDocument.Parse(File.ReadAllText(output)).RootElement.Clone();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Close(double expected, double actual, double relative, string what) =>
        Assert.True(
            Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-300) || Math.Abs(expected - actual) <= 1e-15,
            $"{what}: scipy {expected:R}, ours {actual:R}"
        );

    [Fact]
    public void Every_statistic_equals_scipys_on_fixed_samples()
    {
        var pairs = Pairs();
        var scipy = RunScipy(pairs);
        var results = scipy.GetProperty("results");
        for (var i = 0; i < pairs.Count; i++)
        {
            var (pair, expected) = (pairs[i], results[i]);
            var reference = pair.Reference.Order().ToArray();
            var sample = pair.Sample.Order().ToArray();
            var edges = DriftStatistics.QuantileEdges(reference, 10);
            var refCounts = DriftStatistics.CountSorted(reference, edges);
            var sampleCounts = DriftStatistics.CountSorted(sample, edges);
            Assert.Equal(expected.GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()), edges);
            Assert.Equal(expected.GetProperty("referenceCounts").EnumerateArray().Select(e => e.GetInt64()), refCounts);
            Assert.Equal(expected.GetProperty("sampleCounts").EnumerateArray().Select(e => e.GetInt64()), sampleCounts);
            Assert.Equal(sampleCounts, DriftStatistics.Count(pair.Sample, edges));

            Close(expected.GetProperty("psi").GetDouble(), DriftStatistics.Psi(refCounts, sampleCounts, 1e-4), 1e-12, $"{pair.Name}: PSI");
            Close(
                expected.GetProperty("jensenShannon").GetDouble(),
                DriftStatistics.JensenShannon(refCounts, sampleCounts, 1e-4),
                1e-12,
                $"{pair.Name}: JS"
            );
            var (chi, chiP) = DriftStatistics.ChiSquare(refCounts, sampleCounts, 1e-4);
            Close(expected.GetProperty("chiSquare").GetDouble(), chi, 1e-12, $"{pair.Name}: chi-square");
            Close(expected.GetProperty("chiSquareP").GetDouble(), chiP, 1e-9, $"{pair.Name}: chi-square p");
            var std = MathNet.Numerics.Statistics.ArrayStatistics.PopulationStandardDeviation(reference);
            Close(
                expected.GetProperty("normalizedWasserstein").GetDouble(),
                DriftStatistics.NormalizedWasserstein(reference, sample, std),
                1e-10,
                $"{pair.Name}: normalised Wasserstein"
            );
            var (d, p) = DriftStatistics.KolmogorovSmirnov(reference, sample);
            Close(expected.GetProperty("ks").GetDouble(), d, 1e-14, $"{pair.Name}: KS D");
            Close(expected.GetProperty("ksP").GetDouble(), p, 1e-9, $"{pair.Name}: KS p");
        }
    }

    [Fact]
    public void The_kolmogorov_survival_function_equals_scipys_kstwo_sf_on_each_branch()
    {
        var expected = RunScipy([]).GetProperty("kstwo");
        for (var i = 0; i < KolmogorovPoints.Length; i++)
        {
            var (n, x) = KolmogorovPoints[i];
            Close(expected[i].GetDouble(), KolmogorovDistribution.Survival(n, x), 1e-9, $"kstwo.sf({x}, {n})");
        }
    }
}
