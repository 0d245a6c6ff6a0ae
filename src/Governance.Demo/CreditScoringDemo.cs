using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Demo;

/// <summary>The high-risk credit scoring demo: FastTree on the Statlog German credit data, <c>Class == "Bad"</c> (default risk) as the
/// positive class.</summary>
public static class CreditScoringDemo
{
    public const string LabelColumn = "Class";
    public const int ExpectedColumns = 62;

    /// <summary>
    /// Splits the German credit CSV with a fixed seed (about 70/30, not stratified) into <c>german_credit_train.csv</c> and
    /// <c>german_credit_holdout.csv</c> under <paramref name="outputFolder"/>, trains FastTree, saves
    /// <c>credit-scoring-{variant}.zip</c> there and evaluates it on the holdout (auc, gini, aucpr, accuracy, f1, logLoss,
    /// precision, recall of the "Bad" class, ks, brier).
    /// </summary>
    public static TrainedDemoModel Train(
        string germanCreditCsvPath,
        string outputFolder,
        string variant,
        int numberOfTrees,
        int numberOfLeaves
    )
    {
        DemoTraining.CheckArguments(outputFolder, variant, numberOfTrees, numberOfLeaves);
        var lines = File.ReadAllLines(germanCreditCsvPath);
        if (lines.Length < 2)
            throw new InvalidDataException($"{germanCreditCsvPath} has no data rows.");
        var header = lines[0];
        var names = header.Split(',').Select(h => h.Trim().Trim('"')).ToArray();
        if (names.Length != ExpectedColumns || !names.Contains(LabelColumn))
            throw new InvalidDataException(
                $"{germanCreditCsvPath} is not the one-hot German credit data: expected {ExpectedColumns} columns including "
                    + $"\"{LabelColumn}\", found {names.Length}."
            );

        var (train, trainRows, holdout, holdoutRows) = DemoTraining.Split(
            header,
            lines.Skip(1).Where(l => l.Length > 0).ToArray(),
            outputFolder,
            "german_credit"
        );
        var features = names.Where(n => n != LabelColumn).ToArray();
        var columns = Columns(names);
        var ml = new MLContext(seed: DemoTraining.Seed);
        // An expression rather than MapValue: MapValue saves its map as a binary IDV whose blocks ML.NET writes in a varying
        // order, which would make the artifact's bytes (and digest) differ from run to run.
        var label = ml.Transforms.Expression("Label", "c => c == \"Bad\"", LabelColumn);
        return DemoTraining.Train(
            ml,
            columns,
            features,
            label,
            (train, trainRows),
            (holdout, holdoutRows),
            Path.Combine(outputFolder, $"credit-scoring-{variant}.zip"),
            numberOfTrees,
            numberOfLeaves,
            names.Select(n => (n, n == LabelColumn ? "string" : "float")).ToArray()
        );
    }

    /// <summary>The columns as the model loads them, from the file's header names: the label as text, every other one a
    /// number.</summary>
    public static TextLoader.Column[] Columns(IReadOnlyList<string> names) =>
        names.Select((n, i) => new TextLoader.Column(n, n == LabelColumn ? DataKind.String : DataKind.Single, i)).ToArray();
}
