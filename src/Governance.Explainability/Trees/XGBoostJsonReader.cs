using System.Globalization;
using System.Text.Json;

namespace Governance.Explainability.Trees;

/// <summary>
/// Reads an XGBoost model saved as JSON (<c>Booster.save_model("m.json")</c>, XGBoost 1.x to 3.x schema) into a
/// <see cref="TreeEnsemble"/>: <c>gbtree</c> boosters with one output group; splits go left when <c>x &lt; split_condition</c>
/// and a missing value follows <c>default_left</c>; leaf values are <c>split_conditions</c> at leaves; cover is
/// <c>sum_hessian</c>. <c>base_score</c> may be a string (<c>"5E-1"</c>, 1.7), a number, or a one-element list (≥ 3.1);
/// for a logistic objective it is a probability and the base margin is its logit (how XGBoost applies it).
/// </summary>
public static class XGBoostJsonReader
{
    private static readonly string[] LogisticObjectives = ["binary:logistic", "binary:logitraw", "reg:logistic"];
    private static readonly string[] IdentityObjectives = ["reg:squarederror", "reg:linear", "reg:pseudohubererror", "reg:absoluteerror"];

    /// <summary>Reads the model in <paramref name="json"/>.</summary>
    /// <exception cref="InvalidDataException">
    /// When the JSON is not an XGBoost tree model, uses categorical splits, a multi-class or multi-target objective, a
    /// booster other than <c>gbtree</c>, or an objective whose link is not identity or logistic.
    /// </exception>
    public static TreeEnsemble Read(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
        var learner = Required(doc.RootElement, "learner");
        var booster = Required(learner, "gradient_booster");
        var boosterName = Required(booster, "name").GetString();
        if (boosterName != "gbtree")
            throw new InvalidDataException(
                $"XGBoost booster \"{boosterName}\" is not supported: only gbtree (dart drops trees at prediction)."
            );
        var param = Required(learner, "learner_model_param");
        var numClass = IntOf(Required(param, "num_class"));
        if (numClass > 1)
            throw new InvalidDataException($"XGBoost model has {numClass} classes: only binary classifiers and regressors are supported.");
        if (param.TryGetProperty("num_target", out var targets) && IntOf(targets) > 1)
            throw new InvalidDataException("XGBoost multi-target models are not supported.");
        var numFeature = IntOf(Required(param, "num_feature"));
        var objective = Required(Required(learner, "objective"), "name").GetString() ?? "";
        OutputLink link;
        if (LogisticObjectives.Contains(objective))
            link = OutputLink.Logistic;
        else if (IdentityObjectives.Contains(objective))
            link = OutputLink.Identity;
        else
            throw new InvalidDataException(
                $"XGBoost objective \"{objective}\" is not supported (binary:logistic or a squared-error regression)."
            );

        var baseScore = BaseScore(Required(param, "base_score"));
        // binary:logitraw keeps a raw margin output but XGBoost still takes base_score as a probability.
        var baseMargin = link == OutputLink.Logistic ? Math.Log(baseScore / (1 - baseScore)) : baseScore;

        var names = new string[numFeature];
        if (learner.TryGetProperty("feature_names", out var fn) && fn.ValueKind == JsonValueKind.Array && fn.GetArrayLength() == numFeature)
            for (var i = 0; i < numFeature; i++)
                names[i] = fn[i].GetString() ?? $"f{i}";
        else
            for (var i = 0; i < numFeature; i++)
                names[i] = $"f{i}";
        if (learner.TryGetProperty("feature_types", out var types) && types.ValueKind == JsonValueKind.Array)
            for (var i = 0; i < types.GetArrayLength(); i++)
                if (types[i].GetString() == "c")
                    throw new InvalidDataException($"XGBoost feature \"{names[i]}\" is categorical: categorical splits are not supported.");

        var model = Required(booster, "model");
        if (model.TryGetProperty("tree_info", out var info))
            foreach (var group in info.EnumerateArray())
                if (group.GetInt32() != 0)
                    throw new InvalidDataException("XGBoost model has trees for more than one output group.");
        var trees = new List<DecisionTree>();
        foreach (var tree in Required(model, "trees").EnumerateArray())
            trees.Add(ReadTree(tree, trees.Count));
        return new TreeEnsemble("xgboost-json", names, baseMargin, link, trees);
    }

    private static DecisionTree ReadTree(JsonElement tree, int index)
    {
        var left = Ints(Required(tree, "left_children"));
        var right = Ints(Required(tree, "right_children"));
        var feature = Ints(Required(tree, "split_indices"));
        var condition = Doubles(Required(tree, "split_conditions"));
        var defaultLeft = Ints(Required(tree, "default_left")).Select(v => v != 0).ToArray();
        var cover = Doubles(Required(tree, "sum_hessian"));
        if (tree.TryGetProperty("split_type", out var splitType) && Ints(splitType).Any(t => t != 0))
            throw new InvalidDataException($"XGBoost tree {index} has a categorical split: categorical splits are not supported.");
        if (tree.TryGetProperty("categories_nodes", out var catNodes) && catNodes.GetArrayLength() > 0)
            throw new InvalidDataException($"XGBoost tree {index} has a categorical split: categorical splits are not supported.");
        var n = left.Length;
        var value = new double[n];
        var threshold = new double[n];
        for (var i = 0; i < n; i++)
        {
            // XGBoost marks leaves with -1 children and keeps the leaf value in split_conditions.
            if (left[i] < 0)
            {
                left[i] = right[i] = -1;
                value[i] = condition[i];
                feature[i] = -1;
            }
            else
            {
                threshold[i] = condition[i];
            }
        }
        return new DecisionTree(SplitComparison.LessThan, left, right, feature, threshold, defaultLeft, value, cover);
    }

    private static double BaseScore(JsonElement e) =>
        e.ValueKind switch
        {
            JsonValueKind.String => double.Parse(e.GetString()!.Trim('[', ']'), NumberStyles.Float, CultureInfo.InvariantCulture),
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.Array when e.GetArrayLength() == 1 => BaseScore(e[0]),
            _ => throw new InvalidDataException($"XGBoost base_score {e.GetRawText()} is not one number."),
        };

    private static JsonElement Required(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v
            : throw new InvalidDataException($"Not an XGBoost JSON model: \"{name}\" is missing.");

    private static int IntOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? int.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt32();

    private static int[] Ints(JsonElement e) =>
        e.EnumerateArray()
            .Select(v =>
                v.ValueKind == JsonValueKind.True ? 1
                : v.ValueKind == JsonValueKind.False ? 0
                : v.GetInt32()
            )
            .ToArray();

    // XGBoost stores float32 and prints its shortest decimal: rounding back to float32 restores the exact value, so that a
    // row sitting exactly at a threshold goes the way XGBoost sends it.
    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => (double)v.GetSingle()).ToArray();
}
