using System.Globalization;
using Governance.Domain.Shared;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Demo;

/// <summary>A file written for the demo, with its real SHA-256 and size.</summary>
public sealed record DemoFile(string Path, string FullPath, string Sha256, long SizeBytes)
{
    public static DemoFile Of(string fullPath) =>
        new(System.IO.Path.GetFileName(fullPath), fullPath, Digest.OfBytes(File.ReadAllBytes(fullPath)), new FileInfo(fullPath).Length);
}

/// <summary>A trained model artifact with its real digest and holdout metrics, and the data it was trained and validated on.</summary>
public sealed record TrainedDemoModel(
    string ArtifactPath, string ArtifactSha256, long ArtifactSizeBytes,
    IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, string> Hyperparameters,
    DemoFile TrainingSet, long TrainingRows, DemoFile ValidationSet, long ValidationRows,
    IReadOnlyList<(string Name, string Type)> Schema);

/// <summary>Shared steps: a deterministic split, FastTree training, and the metrics validators expect (AUC, Gini, KS, Brier...).</summary>
internal static class DemoTraining
{
    public const int Seed = 20261123;

    /// <summary>Writes a fixed-seed 70/30 split of the CSV's rows, so the same input always gives byte-identical files.</summary>
    public static (string Train, long TrainRows, string Holdout, long HoldoutRows) Split(string header, IReadOnlyList<string> rows, string folder, string stem, double holdoutShare)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(Seed);
        var holdout = rows.Select(_ => random.NextDouble() < holdoutShare).ToArray();
        var train = Path.Combine(folder, $"{stem}_train.csv");
        var test = Path.Combine(folder, $"{stem}_holdout.csv");
        File.WriteAllLines(train, [header, .. rows.Where((_, i) => !holdout[i])]);
        File.WriteAllLines(test, [header, .. rows.Where((_, i) => holdout[i])]);
        return (train, holdout.Count(h => !h), test, holdout.Count(h => h));
    }

    public static TrainedDemoModel Train(MLContext ml, TextLoader.Column[] columns, string[] features, IEstimator<ITransformer>? label,
        (string Path, long Rows) train, (string Path, long Rows) holdout, string artifactPath, int trees, int leaves, IReadOnlyList<(string, string)> schema)
    {
        var loader = ml.Data.CreateTextLoader(columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
        var trainData = loader.Load(train.Path);
        const double learningRate = 0.1;
        var start = label is null ? new EstimatorChain<ITransformer>() : new EstimatorChain<ITransformer>().Append(label);
        var pipeline = start
            .Append(ml.Transforms.Concatenate("Features", features))
            .Append(ml.BinaryClassification.Trainers.FastTree(labelColumnName: "Label", numberOfTrees: trees, numberOfLeaves: leaves,
                minimumExampleCountPerLeaf: 10, learningRate: learningRate));
        var model = pipeline.Fit(trainData);
        Directory.CreateDirectory(Path.GetDirectoryName(artifactPath)!);
        ml.Model.Save(model, trainData.Schema, artifactPath);

        var scored = model.Transform(loader.Load(holdout.Path));
        var m = ml.BinaryClassification.Evaluate(scored, "Label");
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        var labels = scored.GetColumn<bool>("Label").ToArray();
        var metrics = new Dictionary<string, double>
        {
            ["auc"] = m.AreaUnderRocCurve, ["gini"] = 2 * m.AreaUnderRocCurve - 1, ["aucpr"] = m.AreaUnderPrecisionRecallCurve,
            ["accuracy"] = m.Accuracy, ["f1"] = m.F1Score, ["logLoss"] = m.LogLoss,
            ["precision"] = m.PositivePrecision, ["recall"] = m.PositiveRecall,
            ["ks"] = KolmogorovSmirnov(probabilities, labels), ["brier"] = probabilities.Zip(labels, (p, y) => Math.Pow(p - (y ? 1 : 0), 2)).Average(),
        }.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 4));

        var artifact = DemoFile.Of(artifactPath);
        return new TrainedDemoModel(artifactPath, artifact.Sha256, artifact.SizeBytes, metrics,
            new Dictionary<string, string>
            {
                ["trainer"] = "FastTreeBinary", ["numberOfTrees"] = trees.ToString(CultureInfo.InvariantCulture),
                ["numberOfLeaves"] = leaves.ToString(CultureInfo.InvariantCulture), ["minimumExampleCountPerLeaf"] = "10",
                ["learningRate"] = learningRate.ToString(CultureInfo.InvariantCulture), ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            },
            DemoFile.Of(train.Path), train.Rows, DemoFile.Of(holdout.Path), holdout.Rows, schema);
    }

    /// <summary>KS statistic: the largest gap between the score distributions of positives and negatives.</summary>
    private static double KolmogorovSmirnov(float[] scores, bool[] labels)
    {
        var positives = labels.Count(l => l);
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double tpr = 0, fpr = 0, ks = 0;
        foreach (var (score, label) in scores.Zip(labels).OrderByDescending(x => x.First))
        {
            if (label) tpr += 1.0 / positives; else fpr += 1.0 / negatives;
            ks = Math.Max(ks, Math.Abs(tpr - fpr));
        }
        return ks;
    }
}

/// <summary>The high-risk credit scoring demo: FastTree on the Statlog German credit data, "Bad" credit risk as the positive class.</summary>
public static class CreditScoringDemo
{
    public static TrainedDemoModel Train(string germanCreditCsvPath, string outputFolder, string variant, int numberOfTrees, int numberOfLeaves)
    {
        var lines = File.ReadAllLines(germanCreditCsvPath);
        var header = lines[0];
        var names = header.Split(',').Select(h => h.Trim('"')).ToArray();
        var (train, trainRows, holdout, holdoutRows) = DemoTraining.Split(header, lines.Skip(1).Where(l => l.Length > 0).ToArray(),
            Path.Combine(outputFolder, "..", "data"), "german_credit", 0.3);
        var features = names.Where(n => n != "Class").ToArray();
        var columns = names.Select((n, i) => new TextLoader.Column(n, n == "Class" ? DataKind.String : DataKind.Single, i)).ToArray();
        var ml = new MLContext(seed: DemoTraining.Seed);
        var label = ml.Transforms.Conversion.MapValue("Label", new Dictionary<string, bool> { ["Bad"] = true, ["Good"] = false }, "Class");
        return DemoTraining.Train(ml, columns, features, label, (Path.GetFullPath(train), trainRows), (Path.GetFullPath(holdout), holdoutRows),
            Path.Combine(outputFolder, $"credit-scoring-{variant}.zip"), numberOfTrees, numberOfLeaves,
            names.Select(n => (n, n == "Class" ? "string" : "float")).ToArray());
    }
}

/// <summary>The fraud demo, on a clearly synthetic card-transaction set generated with a fixed seed (about 2% fraud).</summary>
public static class FraudDemo
{
    private static readonly string[] Features = ["amount", "hour", "merchant_category", "card_present", "distance_from_home_km", "txn_count_24h"];

    public static TrainedDemoModel Train(string outputFolder, string variant, int numberOfTrees, int numberOfLeaves)
    {
        var random = new Random(DemoTraining.Seed);
        var rows = Enumerable.Range(0, 5000).Select(_ =>
        {
            var amount = Math.Round(Math.Exp(3.5 + 1.1 * Gaussian(random)), 2);
            var hour = random.Next(24);
            var category = random.Next(10);
            var cardPresent = random.NextDouble() < 0.7 ? 1 : 0;
            var distance = Math.Round(Math.Abs(Gaussian(random)) * 15 + (random.NextDouble() < 0.05 ? 400 * random.NextDouble() : 0), 1);
            var count = random.Next(1, 12);
            var risk = -6.2 + 0.004 * amount + (hour is < 6 ? 1.2 : 0) + (cardPresent == 0 ? 1.0 : 0) + 0.004 * distance + 0.12 * count + (category == 7 ? 0.8 : 0);
            var fraud = random.NextDouble() < 1 / (1 + Math.Exp(-risk));
            return string.Create(CultureInfo.InvariantCulture, $"{amount},{hour},{category},{cardPresent},{distance},{count},{(fraud ? "true" : "false")}");
        }).ToArray();
        var (train, trainRows, holdout, holdoutRows) = DemoTraining.Split(string.Join(',', [.. Features, "is_fraud"]), rows,
            Path.Combine(outputFolder, "..", "data"), "card_transactions_synthetic", 0.3);
        var columns = Features.Select((f, i) => new TextLoader.Column(f, DataKind.Single, i)).Append(new TextLoader.Column("Label", DataKind.Boolean, Features.Length)).ToArray();
        var ml = new MLContext(seed: DemoTraining.Seed);
        return DemoTraining.Train(ml, columns, Features, label: null, (Path.GetFullPath(train), trainRows), (Path.GetFullPath(holdout), holdoutRows),
            Path.Combine(outputFolder, $"card-fraud-{variant}.zip"), numberOfTrees, numberOfLeaves,
            [.. Features.Select(f => (f, "float")), ("is_fraud", "bool")]);
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
