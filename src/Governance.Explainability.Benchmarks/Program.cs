using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Governance.Explainability.Data;
using Governance.Explainability.Trees;

// TreeSHAP (ours, one thread and all threads) against XGBoost's pred_contribs on the model and rows xgboost_bench.py wrote:
// best of REPEATS (default 3) each, one after the other in this process. Usage: dotnet run -c Release -- OUT_DIR [REPEATS]
var folder = args.Length > 0 ? args[0] : throw new ArgumentException("Usage: Governance.Explainability.Benchmarks OUT_DIR [REPEATS]");
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var ensemble = XGBoostJsonReader.Read(File.ReadAllBytes(Path.Combine(folder, "model.json")));
var rows = CsvTable.Read(Path.Combine(folder, "rows.csv")).Features(ensemble.FeatureNames);
using var timings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "timings.json")));
var theirs = timings.RootElement.GetProperty("seconds");

double Best(int threads, out double[][] phi)
{
    var best = double.MaxValue;
    phi = [];
    for (var i = 0; i < repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        phi = TreeShap.ExplainAll(ensemble, rows, threads);
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    return best;
}

// One warm-up row set so that the JIT's tiers do not count against us.
TreeShap.ExplainAll(ensemble, rows.Take(200).ToArray(), 1);
var one = Best(1, out var phi);
var all = Best(Environment.ProcessorCount, out _);

// The same values as XGBoost's, or the timing compares different work.
var contribs = File.ReadAllLines(Path.Combine(folder, "contribs.csv"));
var worst = 0.0;
for (var r = 0; r < rows.Length; r++)
{
    var c = contribs[r].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    for (var j = 0; j < ensemble.FeatureCount; j++)
        worst = Math.Max(worst, Math.Abs(phi[r][j] - c[j]));
}

var xgbOne = theirs.GetProperty("1").GetDouble();
var depth = ensemble.Trees.Max(t => t.MaxDepth);
Console.WriteLine($"model: {ensemble.Trees.Count} trees, max depth {depth}; {rows.Length} rows, {ensemble.FeatureCount} features");
Console.WriteLine($"max |ours - pred_contribs|: {worst:E2}");
Console.WriteLine($"XGBoost {timings.RootElement.GetProperty("xgboost").GetString()} pred_contribs, 1 thread: {xgbOne:F3} s");
foreach (var p in theirs.EnumerateObject().Where(p => p.Name != "1"))
    Console.WriteLine($"XGBoost pred_contribs, {p.Name} threads: {p.Value.GetDouble():F3} s");
Console.WriteLine($"ours, 1 thread: {one:F3} s  (ratio to XGBoost 1 thread: {one / xgbOne:F2}x; target <= 1.5x)");
Console.WriteLine($"ours, {Environment.ProcessorCount} threads: {all:F3} s");
