using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Governance.Domain.Monitoring;
using Governance.Monitoring;

// Usage: generate OUT_DIR | compare OUT_DIR [REPEATS]. generate writes 50 features (column after column, little-endian
// float64): 100,000 reference rows and 1,000,000 production rows, every fifth feature drifted. compare times PSI, normalised
// Wasserstein and JS for every feature (ours: MonitoringComputation.Numeric, copying each column first, as a report does),
// one thread and all threads, best of REPEATS, against scipy.json that scipy_bench.py wrote, and compares the values.
const int features = 50,
    referenceRows = 100_000,
    sampleRows = 1_000_000;
var (mode, folder) = args.Length >= 2 ? (args[0], args[1]) : throw new ArgumentException("Usage: generate|compare OUT_DIR [REPEATS]");
if (mode == "generate")
{
    Directory.CreateDirectory(folder);
    var random = new Random(20261130);
    double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    using (var reference = new BinaryWriter(File.Create(Path.Combine(folder, "reference.bin"))))
    using (var sample = new BinaryWriter(File.Create(Path.Combine(folder, "sample.bin"))))
    {
        for (var j = 0; j < features; j++)
        {
            double scale = 1 + j % 7,
                shift = j % 5 == 0 ? 0.3 * scale : 0;
            for (var i = 0; i < referenceRows; i++)
                reference.Write(100 * j + scale * Normal());
            for (var i = 0; i < sampleRows; i++)
                sample.Write(100 * j + shift + scale * Normal());
        }
    }
    File.WriteAllText(
        Path.Combine(folder, "shape.json"),
        JsonSerializer.Serialize(
            new
            {
                features = features,
                referenceRows = referenceRows,
                sampleRows = sampleRows,
            }
        )
    );
    Console.WriteLine($"wrote {features} features: {referenceRows:N0} reference rows, {sampleRows:N0} production rows to {folder}");
    return;
}

var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
double[][] Columns(string name, int rows)
{
    var bytes = File.ReadAllBytes(Path.Combine(folder, name));
    return Enumerable
        .Range(0, features)
        .Select(j => new ReadOnlySpan<byte>(bytes, j * rows * 8, rows * 8).ToArray())
        .Select(b =>
        {
            var column = new double[rows];
            Buffer.BlockCopy(b, 0, column, 0, b.Length);
            return column;
        })
        .ToArray();
}
var referenceColumns = Columns("reference.bin", referenceRows);
var sampleColumns = Columns("sample.bin", sampleRows);
var feature = new MonitoredFeature(
    "x",
    FeatureKind.Numeric,
    [
        new DriftTest(DriftStatistic.Psi, 0.25, 0.1),
        new DriftTest(DriftStatistic.NormalizedWasserstein, 0.1),
        new DriftTest(DriftStatistic.JensenShannon, 0.1),
    ]
);

FeatureOutcome One(int j) =>
    MonitoringComputation.Numeric(
        feature,
        StatisticPins.Default,
        (double[])referenceColumns[j].Clone(),
        (double[])sampleColumns[j].Clone(),
        0
    );

double Best(int threads, out FeatureOutcome[] outcomes)
{
    var best = double.MaxValue;
    outcomes = [];
    for (var r = 0; r < repeats; r++)
    {
        var results = new FeatureOutcome[features];
        var watch = Stopwatch.StartNew();
        Parallel.For(0, features, new ParallelOptions { MaxDegreeOfParallelism = threads }, j => results[j] = One(j));
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
        outcomes = results;
    }
    return best;
}

One(0); // JIT warm-up
var one = Best(1, out var ours);
var all = Best(Environment.ProcessorCount, out _);
using var scipy = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "scipy.json")));
var theirs = scipy.RootElement.GetProperty("seconds").GetDouble();
var worst = 0.0;
var values = scipy.RootElement.GetProperty("values");
for (var j = 0; j < features; j++)
for (var t = 0; t < 3; t++)
{
    var expected = values[j][t].GetDouble();
    worst = Math.Max(worst, Math.Abs(ours[j].Tests[t].Value - expected) / Math.Max(Math.Abs(expected), 1e-300));
}
var load = File.ReadAllText("/proc/loadavg").Split(' ');
Console.WriteLine(
    $"{features} features, {sampleRows:N0} production rows against {referenceRows:N0} reference rows: PSI, normalised Wasserstein, JS"
);
Console.WriteLine($"largest relative difference from scipy's values: {worst:E2}");
Console.WriteLine($"numpy/scipy, 1 thread: {theirs:F3} s");
Console.WriteLine($"ours, 1 thread: {one:F3} s  (ratio to scipy: {one / theirs:F2}x; target <= 1.00x)");
Console.WriteLine($"ours, {Environment.ProcessorCount} threads: {all:F3} s  (ratio to scipy: {all / theirs:F2}x)");
Console.WriteLine($"load average (1, 5, 15 min) at the end: {load[0]} {load[1]} {load[2]}; {Environment.ProcessorCount} cores");
