using System.Text.Json;
using Governance.Explainability.Data;
using Governance.Explainability.Trees;
using Microsoft.ML;

namespace Governance.Serving.Host;

/// <summary>
/// A reason-code file (<c>Serving:ReasonCodesFile</c>): which reason each model feature gives an applicant when it moved
/// the score toward the adverse outcome, which features are protected attributes (never given as a reason), how many
/// reasons a score carries, and the background rows whose routing through the trees gives the node cover TreeSHAP needs
/// (ML.NET does not store it; use the dataset the version's evidence was computed on). For example:
/// <code>
/// {"adverse": "positive", "topK": 4, "background": "german_credit_holdout.csv",
///  "reasons": {"Duration": {"code": "D01", "text": "Duration of the credit is long"}, ...},
///  "protected": ["Age", "Personal.Female.NotSingle"]}
/// </code>
/// One-hot features of one attribute may share a code: their contributions are summed into that reason.
/// </summary>
public sealed record ReasonCodeFile(
    string Adverse,
    int TopK,
    string Background,
    IReadOnlyDictionary<string, ReasonText> Reasons,
    IReadOnlyList<string> Protected
)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <summary>Reads and checks the file; the background path is taken relative to the file's folder.</summary>
    /// <exception cref="InvalidDataException">The file is not such a JSON object, or a field is out of range (named).</exception>
    public static ReasonCodeFile Read(string path)
    {
        ReasonCodeFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ReasonCodeFile>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a reason-code file (JSON object): {e.Message}");
        }
        if (file is null)
            throw new InvalidDataException($"'{path}' is not a reason-code file (JSON object).");
        var problems = new List<string>();
        if (file.Adverse is not ("positive" or "negative"))
            problems.Add("adverse must be \"positive\" or \"negative\" (which class is the adverse outcome)");
        if (file.TopK is < 1 or > 20)
            problems.Add("topK must be between 1 and 20");
        if (string.IsNullOrWhiteSpace(file.Background))
            problems.Add("background is required (a CSV with the model's input columns)");
        if (file.Reasons is null || file.Reasons.Count == 0)
            problems.Add("reasons must map each feature to a code and a text");
        else if (
            file.Reasons.FirstOrDefault(r =>
                r.Value is null || string.IsNullOrWhiteSpace(r.Value.Code) || string.IsNullOrWhiteSpace(r.Value.Text)
            ) is
            { Key: { } incomplete }
        )
            problems.Add($"reasons.{incomplete} needs a code and a text");
        if (
            file
                .Reasons?.Values.Where(r => r is not null)
                .GroupBy(r => r.Code)
                .FirstOrDefault(g => g.Select(r => r.Text).Distinct().Count() > 1) is
            { Key: { } mixed }
        )
            problems.Add($"code '{mixed}' has different texts; features that share a code share its text");
        var protectedFeatures = file.Protected ?? [];
        if (file.Reasons?.Keys.FirstOrDefault(protectedFeatures.Contains) is { } both)
            problems.Add($"'{both}' is a protected attribute and must not have a reason");
        if (problems.Count > 0)
            throw new InvalidDataException($"'{path}': {string.Join("; ", problems)}.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return file with { Background = Path.GetFullPath(Path.Combine(folder, file.Background)), Protected = protectedFeatures };
    }
}

/// <summary>A reason's code and the text an applicant reads.</summary>
public sealed record ReasonText(string Code, string Text);

/// <summary>
/// One reason returned with a score: its code and text, the features it stands for, and their summed SHAP value in
/// log-odds toward the adverse outcome (relative to the expected value).
/// </summary>
public sealed record ReasonCode(string Code, string Text, IReadOnlyList<string> Features, double Contribution);

/// <summary>
/// Reason codes for adverse-action notices (ECOA/Regulation B; GDPR Art. 22): per scored row, exact TreeSHAP values
/// (Governance.Explainability, margin space) of the served trees; the reasons whose features moved the score furthest
/// toward the adverse outcome, largest first, at most <see cref="ReasonCodeFile.TopK"/>; protected attributes never.
/// </summary>
public sealed class ReasonCodeExplainer
{
    private readonly TreeEnsemble _ensemble;
    private readonly ReasonCodeFile _file;
    private readonly double _sign;

    /// <param name="ensemble">The served trees, with cover.</param>
    /// <param name="file">The checked reason-code file.</param>
    /// <param name="featureColumn">The column of the scored data that holds the feature vector the trees read.</param>
    /// <exception cref="InvalidDataException">
    /// A feature of the model has neither a reason nor a protected mark, or the file names a feature the model does not have.
    /// </exception>
    public ReasonCodeExplainer(TreeEnsemble ensemble, ReasonCodeFile file, string featureColumn)
    {
        var features = ensemble.FeatureNames.ToHashSet(StringComparer.Ordinal);
        var unknown = file.Reasons.Keys.Concat(file.Protected).Where(f => !features.Contains(f)).ToArray();
        if (unknown.Length > 0)
            throw new InvalidDataException($"The reason-code file names features the model does not have: {string.Join(", ", unknown)}.");
        var uncovered = ensemble.FeatureNames.Where(f => !file.Reasons.ContainsKey(f) && !file.Protected.Contains(f)).ToArray();
        if (uncovered.Length > 0)
            throw new InvalidDataException(
                "Every feature needs a reason or a protected mark, so that no adverse reason goes untold; missing: "
                    + string.Join(", ", uncovered)
                    + "."
            );
        _ensemble = ensemble;
        _file = file;
        _sign = file.Adverse == "positive" ? 1 : -1;
        FeatureColumn = featureColumn;
    }

    /// <summary>The scored data's feature vector column.</summary>
    public string FeatureColumn { get; }

    /// <summary>
    /// Builds the explainer for a served ML.NET model: its trees, with cover from the file's background rows.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a tree ensemble, an unreadable background, or the checks of the constructor.</exception>
    public static ReasonCodeExplainer For(MLContext ml, ITransformer model, DataViewSchema inputSchema, ReasonCodeFile file)
    {
        var trees = MlNetTreeModel.FromModel(ml, model, inputSchema, "the served model");
        double[][] background;
        try
        {
            var header = CsvTable.Read(file.Background).Columns;
            background = trees.Score(trees.LoadCsv(file.Background, header, null)).Features;
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException)
        {
            throw new InvalidDataException($"The reason codes' background '{file.Background}' cannot be read: {e.Message}");
        }
        if (background.Length == 0)
            throw new InvalidDataException($"The reason codes' background '{file.Background}' has no rows.");
        return new ReasonCodeExplainer(trees.Ensemble.WithCoverFrom(background), file, trees.FeatureColumn);
    }

    /// <summary>The reasons for one row's feature vector (the values the trees read), largest contribution first.</summary>
    public IReadOnlyList<ReasonCode> Explain(ReadOnlySpan<double> features)
    {
        var phi = TreeShap.Explain(_ensemble, features);
        var names = _ensemble.FeatureNames;
        return Enumerable
            .Range(0, names.Count)
            .Where(i => _file.Reasons.ContainsKey(names[i]))
            .GroupBy(i => _file.Reasons[names[i]].Code, StringComparer.Ordinal)
            .Select(g =>
            {
                var first = _file.Reasons[names[g.First()]];
                var contribution = 0.0;
                foreach (var i in g)
                    contribution += _sign * phi[i];
                return new ReasonCode(first.Code, first.Text, g.Select(i => names[i]).ToArray(), contribution);
            })
            .Where(r => r.Contribution > 0)
            .OrderByDescending(r => r.Contribution)
            .ThenBy(r => r.Code, StringComparer.Ordinal)
            .Take(_file.TopK)
            .ToArray();
    }
}
