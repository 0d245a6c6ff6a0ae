using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Explainability.Tests;

/// <summary>Trains ML.NET binary classifiers the way the demo does (label expression, concatenated features, a tree trainer).</summary>
internal static class MlNetModels
{
    public static void Train(string csv, string label, string positive, string zip, bool lightGbm, int trees = 20)
    {
        var header = File.ReadLines(csv).First().Split(',').Select(h => h.Trim('"')).ToArray();
        var ml = new MLContext(1);
        var columns = header.Select((n, i) => new TextLoader.Column(n, n == label ? DataKind.String : DataKind.Single, i)).ToArray();
        var data = ml.Data.LoadFromTextFile(csv, columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
        var features = header.Where(h => h != label).ToArray();
        var pipeline = ml
            .Transforms.Expression("Label", $"c => c == \"{positive}\"", label)
            .Append(ml.Transforms.Concatenate("Features", features));
        var model = lightGbm
            ? pipeline.Append(ml.BinaryClassification.Trainers.LightGbm(numberOfLeaves: 8, numberOfIterations: trees)).Fit(data)
            : (ITransformer)pipeline.Append(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 8, numberOfTrees: trees)).Fit(data);
        ml.Model.Save(model, data.Schema, zip);
    }

    /// <summary>
    /// A synthetic CSV: four informative features and one of pure noise; the label is "yes" with probability
    /// σ(2·x1 − 1.5·x2 + x3 + 0.8·x4).
    /// </summary>
    public static string Synthetic(string folder, int rows = 2000)
    {
        var random = new Random(99);
        var path = Path.Combine(folder, "synthetic.csv");
        var lines = new List<string> { "x1,x2,x3,x4,noise,label" };
        for (var i = 0; i < rows; i++)
        {
            var x = Enumerable.Range(0, 5).Select(_ => Math.Round(random.NextDouble() * 4 - 2, 3)).ToArray();
            var z = 2 * x[0] - 1.5 * x[1] + x[2] + 0.8 * x[3];
            var y = random.NextDouble() < 1 / (1 + Math.Exp(-z)) ? "yes" : "no";
            lines.Add(string.Join(',', x.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "," + y);
        }
        File.WriteAllLines(path, lines);
        return path;
    }
}
