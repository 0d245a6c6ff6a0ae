using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Governance.Explainability.Trees;

/// <summary>
/// An ML.NET binary classifier saved as a model zip whose last transformer is a FastTree or LightGbm predictor
/// (calibrated or not), with the transformers before it that build its feature vector from the input columns.
/// The trees are read from <c>SubModel.TrainedTreeEnsemble</c>: internal nodes go left when <c>x &lt;= threshold</c>; a
/// missing value goes the way ML.NET sends it (see <c>Convert</c>); each tree's weight is folded into its leaf
/// values and the ensemble's bias becomes the base margin, so the margin equals ML.NET's <c>Score</c> column. The model
/// stores no node cover: route background data with <see cref="TreeEnsemble.WithCoverFrom"/>.
/// </summary>
public sealed class MlNetTreeModel
{
    private MlNetTreeModel(
        MLContext ml,
        ITransformer model,
        ISingleFeaturePredictionTransformer<object> predictor,
        DataViewSchema inputSchema,
        TreeEnsemble ensemble,
        string featureColumn
    )
    {
        Context = ml;
        Model = model;
        Predictor = predictor;
        InputSchema = inputSchema;
        Ensemble = ensemble;
        FeatureColumn = featureColumn;
    }

    public MLContext Context { get; }
    public ITransformer Model { get; }

    /// <summary>The last transformer: the predictor that reads <see cref="FeatureColumn"/>.</summary>
    public ISingleFeaturePredictionTransformer<object> Predictor { get; }
    public DataViewSchema InputSchema { get; }

    /// <summary>The trees, with zero cover (not stored by ML.NET).</summary>
    public TreeEnsemble Ensemble { get; }

    /// <summary>The name of the feature vector column the predictor reads (usually <c>Features</c>).</summary>
    public string FeatureColumn { get; }

    /// <summary>ML.NET's default label column name (<c>DefaultColumnNames.Label</c>, which is internal).</summary>
    private const string DefaultLabel = "Label";

    /// <summary>
    /// Loads the model zip at <paramref name="path"/>; <paramref name="seed"/> seeds the ML.NET context (PFI's shuffles).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// When the model is not a tree-ensemble binary classifier, or uses categorical splits.
    /// </exception>
    public static MlNetTreeModel Load(string path, int seed)
    {
        var ml = new MLContext(seed);
        var model = ml.Model.Load(path, out var inputSchema);
        return FromModel(ml, model, inputSchema, path);
    }

    /// <summary>
    /// The trees of a model already loaded by <paramref name="ml"/> (a scoring host loads it from the verified bytes);
    /// <paramref name="source"/> names it in messages.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// When the model is not a tree-ensemble binary classifier, or uses categorical splits.
    /// </exception>
    public static MlNetTreeModel FromModel(MLContext ml, ITransformer model, DataViewSchema inputSchema, string source)
    {
        var last = model is IEnumerable<ITransformer> chain ? chain.LastOrDefault() : model;
        if (last is not ISingleFeaturePredictionTransformer<object> predictor)
            throw new InvalidDataException($"{source}: the last transformer is not a predictor.");
        var parameters = predictor.Model;
        var platt = (Slope: -1.0, Offset: 0.0);
        var link = OutputLink.Identity;
        // The calibrated wrapper is generic in the predictor and calibrator types; its SubModel is the tree ensemble.
        var calibrated = parameters.GetType();
        while (
            calibrated is not null
            && !(calibrated.IsGenericType && calibrated.GetGenericTypeDefinition() == typeof(CalibratedModelParametersBase<,>))
        )
            calibrated = calibrated.BaseType;
        if (calibrated is not null)
        {
            const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            var calibrator = calibrated.GetProperty("Calibrator", declared)!.GetValue(parameters);
            if (calibrator is not PlattCalibrator p)
                throw new InvalidDataException($"{source}: calibrator {calibrator?.GetType().Name} is not Platt scaling.");
            platt = (p.Slope, p.Offset);
            link = OutputLink.Logistic;
            parameters = calibrated.GetProperty("SubModel", declared)!.GetValue(parameters)!;
        }
        if (parameters is not TreeEnsembleModelParametersBasedOnRegressionTree trees)
            throw new InvalidDataException($"{source}: {parameters.GetType().Name} is not a FastTree or LightGbm tree ensemble.");

        var featureColumn = predictor.FeatureColumnName;
        var outputSchema = model.GetOutputSchema(inputSchema);
        var column = outputSchema[featureColumn];
        var width = column.Type is VectorDataViewType v ? v.Size : 1;
        var names = new string[width];
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        if (column.HasSlotNames())
            column.GetSlotNames(ref slotNames);
        var dense = slotNames.DenseValues().ToArray();
        for (var i = 0; i < width; i++)
            names[i] = i < dense.Length && dense[i].Length > 0 ? dense[i].ToString() : $"{featureColumn}[{i}]";

        var ensemble = trees.TrainedTreeEnsemble;
        var converted = new List<DecisionTree>(ensemble.Trees.Count);
        for (var t = 0; t < ensemble.Trees.Count; t++)
            converted.Add(Convert(ensemble.Trees[t], ensemble.TreeWeights[t], t));
        var format = parameters.GetType().Name.StartsWith("LightGbm", StringComparison.Ordinal) ? "mlnet-lightgbm" : "mlnet-fasttree";
        var result = new TreeEnsemble(format, names, ensemble.Bias, link, converted, platt.Slope, platt.Offset);
        return new MlNetTreeModel(ml, model, predictor, inputSchema, result, featureColumn);
    }

    /// <summary>
    /// Loads a CSV with the columns the model's input schema names (matched by header name, read as the schema's types),
    /// plus <paramref name="labelColumn"/> as text when the model does not read it. A model saved with its training
    /// loader's schema reads a column <c>Label</c> (ML.NET's default label name) that the file may call otherwise, as the
    /// demo fraud model's <c>is_fraud</c>: when the header has no <c>Label</c>, that input is read from
    /// <paramref name="labelColumn"/>.
    /// </summary>
    /// <exception cref="ArgumentException">When an input column is missing from the header or is not a scalar.</exception>
    public IDataView LoadCsv(string csvPath, IReadOnlyList<string> header, string? labelColumn)
    {
        var columns = new List<TextLoader.Column>();
        foreach (var c in InputSchema)
        {
            var index =
                c.Name == DefaultLabel && labelColumn is not null && !header.Contains(DefaultLabel)
                    ? IndexIn(header, labelColumn)
                    : IndexIn(header, c.Name);
            if (c.Type is VectorDataViewType || c.Type.RawType == typeof(ReadOnlyMemory<char>) && c.Type is not TextDataViewType)
                throw new ArgumentException($"Model input column \"{c.Name}\" is not a scalar.");
            var kind =
                c.Type is TextDataViewType ? DataKind.String
                : c.Type.RawType == typeof(bool) ? DataKind.Boolean
                : DataKind.Single;
            columns.Add(new TextLoader.Column(c.Name, kind, index));
        }
        if (labelColumn != null && columns.All(c => c.Name != labelColumn))
            columns.Add(new TextLoader.Column(labelColumn, DataKind.String, IndexIn(header, labelColumn)));
        return Context.Data.LoadFromTextFile(csvPath, columns.ToArray(), separatorChar: ',', hasHeader: true, allowQuoting: true);
    }

    /// <summary>ML.NET's own scores (the uncalibrated <c>Score</c> column) and the feature vectors, row by row.</summary>
    public (double[][] Features, double[] Scores) Score(IDataView data)
    {
        var scored = Model.Transform(data);
        var features = scored
            .GetColumn<VBuffer<float>>(scored.Schema[FeatureColumn])
            .Select(b => b.DenseValues().Select(f => (double)f).ToArray())
            .ToArray();
        var scores = scored.GetColumn<float>(scored.Schema["Score"]).Select(s => (double)s).ToArray();
        return (features, scores);
    }

    private static int IndexIn(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
            if (header[i] == name)
                return i;
        throw new ArgumentException($"The dataset has no column \"{name}\", which the model reads.");
    }

    private static DecisionTree Convert(RegressionTree tree, double weight, int index)
    {
        var internalNodes = tree.NumberOfNodes;
        var leaves = tree.NumberOfLeaves;
        var n = internalNodes + leaves;
        var left = new int[n];
        var right = new int[n];
        var feature = new int[n];
        var threshold = new double[n];
        var value = new double[n];
        // ML.NET numbers internal nodes 0.. and leaves separately (a child < 0 is leaf ~child): leaves follow the nodes here.
        int Map(int child) => child < 0 ? internalNodes + ~child : child;
        for (var i = 0; i < internalNodes; i++)
        {
            if (tree.CategoricalSplitFlags[i])
                throw new InvalidDataException(
                    $"ML.NET tree {index} node {i} is a categorical split: categorical splits are not supported."
                );
            left[i] = Map(tree.LeftChild[i]);
            right[i] = Map(tree.RightChild[i]);
            feature[i] = tree.NumericalSplitFeatureIndexes[i];
            threshold[i] = tree.NumericalSplitThresholds[i];
        }
        for (var j = 0; j < leaves; j++)
        {
            left[internalNodes + j] = right[internalNodes + j] = feature[internalNodes + j] = -1;
            value[internalNodes + j] = tree.LeafValues[j] * weight;
        }
        // ML.NET replaces a missing value by the node's DefaultValueForMissing when the tree has them (LightGbm: the threshold
        // for default-left, threshold + 1 for default-right, 0 without missing handling) and compares it as any value; without
        // them (FastTree), NaN <= threshold is false and the row goes right. ML.NET keeps these values internal, so they are
        // read by reflection; the score-equality tests and EvidenceComputation's check catch any change in a later release.
        var defaults = DefaultValues(tree);
        var defaultLeft = new bool[n];
        for (var i = 0; i < internalNodes; i++)
            defaultLeft[i] = defaults is not null && defaults[i] <= tree.NumericalSplitThresholds[i];
        return new DecisionTree(SplitComparison.LessThanOrEqual, left, right, feature, threshold, defaultLeft, value, new double[n]);
    }

    private static float[]? DefaultValues(RegressionTree tree)
    {
        const BindingFlags flags = BindingFlags.NonPublic | BindingFlags.Instance;
        var inner = typeof(RegressionTreeBase).GetField("_tree", flags)?.GetValue(tree);
        var field = inner?.GetType().GetField("DefaultValueForMissing", flags | BindingFlags.Public);
        if (inner is null || field is null)
            throw new InvalidDataException(
                "This ML.NET release hides its trees' missing-value defaults where this reader cannot find them."
            );
        return (float[]?)field.GetValue(inner);
    }
}
