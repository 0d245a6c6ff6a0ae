using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Demo;

/// <summary>
/// The fraud demo, on a clearly SYNTHETIC card-transaction set generated with a fixed seed (5,000 rows, about 2% fraud): no real
/// cardholder or transaction is in it.
/// </summary>
public static class FraudDemo
{
    public const string DatasetStem = "card_transactions_synthetic";
    public const int Rows = 5000;
    public const double FraudRate = 0.02;

    /// <summary>The feature columns, in file order; <c>merchant_category</c> is a category code 0–9,
    /// <c>card_present</c> is 0/1.</summary>
    public static IReadOnlyList<string> Features { get; } =
    ["amount", "hour", "merchant_category", "card_present", "distance_from_home_km", "txn_count_24h"];

    public const string LabelColumn = "is_fraud";

    /// <summary>
    /// Writes <c>card_transactions_synthetic.csv</c> (the whole generated set) and its fixed-seed ~70/30 split
    /// (<c>card_transactions_synthetic_train.csv</c>, <c>card_transactions_synthetic_holdout.csv</c>) under
    /// <paramref name="outputFolder"/>, trains FastTree, saves <c>card-fraud-{variant}.zip</c> there and evaluates it on the
    /// holdout (auc, aucpr, and precision, recall, f1 at the 0.5 threshold, plus accuracy, logLoss, gini, ks, brier).
    /// </summary>
    public static TrainedDemoModel Train(string outputFolder, string variant, int numberOfTrees, int numberOfLeaves)
    {
        DemoTraining.CheckArguments(outputFolder, variant, numberOfTrees, numberOfLeaves);
        Directory.CreateDirectory(outputFolder);
        var header = Header;
        var rows = Generate(Rows, DemoTraining.Seed, drift: 0);
        DemoTraining.WriteCsv(Path.Combine(outputFolder, $"{DatasetStem}.csv"), header, rows);
        var (train, trainRows, holdout, holdoutRows) = DemoTraining.Split(header, rows, outputFolder, DatasetStem);

        var columns = Columns;
        var ml = new MLContext(seed: DemoTraining.Seed);
        return DemoTraining.Train(
            ml,
            columns,
            [.. Features],
            label: null,
            (train, trainRows),
            (holdout, holdoutRows),
            Path.Combine(outputFolder, $"card-fraud-{variant}.zip"),
            numberOfTrees,
            numberOfLeaves,
            [.. Features.Select(f => (f, "float")), (LabelColumn, "bool")]
        );
    }

    /// <summary>The files' header: the features, then the label.</summary>
    public static string Header => string.Join(',', [.. Features, LabelColumn]);

    /// <summary>The columns as the model loads them. The label is loaded as "Label" (what the trainer and the scoring host's
    /// non-feature columns expect); the files call it is_fraud.</summary>
    public static TextLoader.Column[] Columns =>
        Features
            .Select((f, i) => new TextLoader.Column(f, DataKind.Single, i))
            .Append(new TextLoader.Column("Label", DataKind.Boolean, Features.Count))
            .ToArray();

    /// <summary>
    /// The synthetic generator. Legitimate spend is small, daytime, local, mostly card-present; three in four frauds follow the
    /// classic pattern (large card-not-present amounts, at night, far from home, in bursts, in risky categories) and one in four
    /// is camouflaged as ordinary spend, so the task is learnable but not trivial. <paramref name="drift"/> (0 for the training
    /// data, up to 1) shifts legitimate spend as an online-shopping campaign would: larger amounts, fewer card-present
    /// payments, further from home; the demo's production samples use it.
    /// </summary>
    public static string[] Generate(int rowCount, int seed, double drift)
    {
        var random = new Random(seed);
        var rows = new string[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            var fraud = random.NextDouble() < FraudRate;
            var pattern = fraud && random.NextDouble() < 0.75;
            double amount,
                distance;
            int hour,
                category,
                cardPresent,
                count;
            if (pattern)
            {
                amount = Math.Exp(4.9 + 1.0 * Gaussian(random));
                hour = random.NextDouble() < 0.5 ? random.Next(0, 6) : random.Next(24);
                category = random.NextDouble() < 0.7 ? random.Next(7, 10) : random.Next(10);
                cardPresent = random.NextDouble() < 0.15 ? 1 : 0;
                distance = Math.Exp(4.5 + 1.2 * Gaussian(random));
                count = random.Next(4, 15);
            }
            else
            {
                amount = Math.Exp(3.4 + 0.8 * drift + 0.9 * Gaussian(random));
                hour = random.NextDouble() < 0.9 ? random.Next(7, 23) : random.Next(0, 7);
                category = random.NextDouble() < 0.85 ? random.Next(0, 7) : random.Next(7, 10);
                cardPresent = random.NextDouble() < 0.75 - 0.45 * drift ? 1 : 0;
                distance =
                    Math.Exp(1.5 + 1.2 * drift + 1.0 * Gaussian(random))
                    + (random.NextDouble() < 0.03 ? 100 + 1900 * random.NextDouble() : 0);
                count = 1 + random.Next(0, 6);
            }
            rows[i] = string.Create(
                CultureInfo.InvariantCulture,
                $"{amount:0.00},{hour},{category},{cardPresent},{distance:0.0},{count},{(fraud ? "true" : "false")}"
            );
        }
        return rows;
    }

    /// <summary>A standard normal draw (Box–Muller) from the seeded generator.</summary>
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
