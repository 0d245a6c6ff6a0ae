using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Demo;

/// <summary>Shared steps: a deterministic split, FastTree training, a reproducible artifact, and the metrics validators expect.</summary>
internal static class DemoTraining
{
    public const int Seed = 20261123;
    public const double LearningRate = 0.1;
    public const int MinimumExampleCountPerLeaf = 10;
    public const double HoldoutShare = 0.3;

    /// <summary>The time stamped on every entry of a saved model zip, so the same model always gives the same bytes.</summary>
    private static readonly DateTimeOffset FixedEntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes lines as UTF-8 without BOM, each ended by '\n' whatever the platform, so the bytes (and the hash) never
    /// vary.</summary>
    public static void WriteCsv(string path, string header, IEnumerable<string> rows)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (var row in rows)
            text.Append(row).Append('\n');
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>Writes a fixed-seed split (each row goes to the holdout with probability <see cref="HoldoutShare"/>) of the rows, same
    /// input, same files.</summary>
    public static (string Train, long TrainRows, string Holdout, long HoldoutRows) Split(
        string header,
        IReadOnlyList<string> rows,
        string folder,
        string stem
    )
    {
        Directory.CreateDirectory(folder);
        var random = new Random(Seed);
        var holdout = rows.Select(_ => random.NextDouble() < HoldoutShare).ToArray();
        var train = Path.Combine(folder, $"{stem}_train.csv");
        var test = Path.Combine(folder, $"{stem}_holdout.csv");
        WriteCsv(train, header, rows.Where((_, i) => !holdout[i]));
        WriteCsv(test, header, rows.Where((_, i) => holdout[i]));
        return (Path.GetFullPath(train), holdout.LongCount(h => !h), Path.GetFullPath(test), holdout.LongCount(h => h));
    }

    public static void CheckArguments(string outputFolder, string variant, int numberOfTrees, int numberOfLeaves)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(variant);
        if (variant.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\']) >= 0 || variant is "." or "..")
            throw new ArgumentException($"The variant '{variant}' cannot be used in a file name.", nameof(variant));
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfTrees, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfLeaves, 2);
    }

    /// <summary>
    /// Fits label mapping (if any) + feature concatenation + FastTree on the training file, saves the model zip, then scores the
    /// holdout with the model loaded back from the saved zip: the metrics describe exactly the bytes the digest names.
    /// </summary>
    public static TrainedDemoModel Train(
        MLContext ml,
        TextLoader.Column[] columns,
        string[] features,
        IEstimator<ITransformer>? label,
        (string Path, long Rows) train,
        (string Path, long Rows) holdout,
        string artifactPath,
        int trees,
        int leaves,
        IReadOnlyList<(string, string)> schema
    )
    {
        var loader = ml.Data.CreateTextLoader(columns, separatorChar: ',', hasHeader: true, allowQuoting: true);
        var trainData = loader.Load(train.Path);
        var start = label is null ? new EstimatorChain<ITransformer>() : new EstimatorChain<ITransformer>().Append(label);
        var pipeline = start
            .Append(ml.Transforms.Concatenate("Features", features))
            .Append(
                ml.BinaryClassification.Trainers.FastTree(
                    labelColumnName: "Label",
                    numberOfTrees: trees,
                    numberOfLeaves: leaves,
                    minimumExampleCountPerLeaf: MinimumExampleCountPerLeaf,
                    learningRate: LearningRate
                )
            );
        var model = pipeline.Fit(trainData);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(artifactPath))!);
        using (var saved = new MemoryStream())
        {
            ml.Model.Save(model, trainData.Schema, saved);
            File.WriteAllBytes(artifactPath, WithFixedEntryTimes(saved.ToArray()));
        }
        ITransformer reloaded;
        using (var stream = File.OpenRead(artifactPath))
            reloaded = ml.Model.Load(stream, out _);

        var scored = reloaded.Transform(loader.Load(holdout.Path));
        var m = ml.BinaryClassification.Evaluate(scored, "Label");
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        var labels = scored.GetColumn<bool>("Label").ToArray();
        var metrics = new Dictionary<string, double>
        {
            ["auc"] = m.AreaUnderRocCurve,
            ["gini"] = 2 * m.AreaUnderRocCurve - 1,
            ["aucpr"] = m.AreaUnderPrecisionRecallCurve,
            ["accuracy"] = m.Accuracy,
            ["f1"] = m.F1Score,
            ["logLoss"] = m.LogLoss,
            ["precision"] = m.PositivePrecision,
            ["recall"] = m.PositiveRecall,
            ["ks"] = KolmogorovSmirnov(probabilities, labels),
            ["brier"] =
                probabilities.Length == 0 ? double.NaN : probabilities.Zip(labels, (p, y) => Math.Pow(p - (y ? 1 : 0), 2)).Average(),
        }
            .Where(kv => double.IsFinite(kv.Value))
            .ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 4));

        var artifact = DemoFile.Of(artifactPath);
        return new TrainedDemoModel(
            artifact.FullPath,
            artifact.Sha256,
            artifact.SizeBytes,
            metrics,
            new Dictionary<string, string>
            {
                ["trainer"] = "FastTreeBinary",
                ["numberOfTrees"] = trees.ToString(CultureInfo.InvariantCulture),
                ["numberOfLeaves"] = leaves.ToString(CultureInfo.InvariantCulture),
                ["minimumExampleCountPerLeaf"] = MinimumExampleCountPerLeaf.ToString(CultureInfo.InvariantCulture),
                ["learningRate"] = LearningRate.ToString(CultureInfo.InvariantCulture),
                ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            },
            DemoFile.Of(train.Path),
            train.Rows,
            DemoFile.Of(holdout.Path),
            holdout.Rows,
            schema
        );
    }

    /// <summary>
    /// ML.NET stamps each zip entry with the current time; rewriting the archive (same entries, same order, same content) with a fixed
    /// time makes the artifact's SHA-256 reproducible. ML.NET loads the result like any model zip.
    /// </summary>
    private static byte[] WithFixedEntryTimes(byte[] zip)
    {
        using var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = FixedEntryTime;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        return output.ToArray();
    }

    /// <summary>KS statistic: the largest gap between the cumulative score distributions of positives and negatives.</summary>
    private static double KolmogorovSmirnov(float[] scores, bool[] labels)
    {
        var positives = labels.Count(l => l);
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
            return double.NaN;
        double ks = 0;
        int tp = 0,
            fp = 0;
        // Walk thresholds from the highest score down; tied scores move together, so the order among ties cannot matter.
        var ordered = scores.Zip(labels).OrderByDescending(x => x.First).ToArray();
        for (var i = 0; i < ordered.Length; )
        {
            var score = ordered[i].First;
            for (; i < ordered.Length && ordered[i].First == score; i++)
                if (ordered[i].Second)
                    tp++;
                else
                    fp++;
            ks = Math.Max(ks, Math.Abs((double)tp / positives - (double)fp / negatives));
        }
        return ks;
    }
}
