using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Governance.Explainability.Data;
using Governance.Explainability.Trees;

namespace Governance.Explainability.Tests;

/// <summary>The fixture: XGBoost 1.7 trains a model and computes its own pred_contribs, at test time.</summary>
public sealed class XGBoostReference : IDisposable
{
    public XGBoostReference()
    {
        Folder = Reference.NewFolder("xgb-reference");
        Reference.Run("xgboost_reference.py", Reference.GermanCredit(), Folder);
        Json = File.ReadAllBytes(Path.Combine(Folder, "model.json"));
        Model = XGBoostJsonReader.Read(Json);
        Rows = CsvTable.Read(Path.Combine(Folder, "rows.csv")).Features(Model.FeatureNames);
        Contribs = Reference.Matrix(Path.Combine(Folder, "contribs.csv"));
        Margins = File.ReadAllLines(Path.Combine(Folder, "margins.csv"))
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();
        var at = File.ReadAllText(Path.Combine(Folder, "threshold_row.txt")).Trim().Split(',');
        ThresholdRow = (
            int.Parse(at[0], CultureInfo.InvariantCulture),
            int.Parse(at[1], CultureInfo.InvariantCulture),
            double.Parse(at[2], CultureInfo.InvariantCulture)
        );
    }

    public string Folder { get; }
    public byte[] Json { get; }
    public TreeEnsemble Model { get; }
    public double[][] Rows { get; }
    public double[][] Contribs { get; }
    public double[] Margins { get; }
    public (int Row, int Feature, double Threshold) ThresholdRow { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public class XGBoostReferenceTests(XGBoostReference reference) : IClassFixture<XGBoostReference>
{
    [Fact]
    public void The_fixture_has_200_rows_a_fifth_with_missing_values_and_one_at_a_split_threshold()
    {
        Assert.Equal(200, reference.Rows.Length);
        Assert.Equal(40, reference.Rows.Count(r => r.Any(double.IsNaN)));
        var (row, feature, threshold) = reference.ThresholdRow;
        Assert.Equal(threshold, reference.Rows[row][feature]);
        var root = reference.Model.Trees[0];
        Assert.Equal(feature, root.Feature[0]);
        Assert.Equal(threshold, root.Threshold[0]);
        // XGBoost's x < t is false at the threshold: the row goes right.
        Assert.Equal(root.Right[0], root.Next(0, reference.Rows[row]));
    }

    [Fact]
    public void Our_margin_equals_XGBoost_output_margin()
    {
        for (var r = 0; r < reference.Rows.Length; r++)
            Assert.True(
                Math.Abs(reference.Model.Margin(reference.Rows[r]) - reference.Margins[r]) <= 1e-5,
                $"row {r}: {reference.Model.Margin(reference.Rows[r])} vs {reference.Margins[r]}"
            );
    }

    [Fact]
    public void TreeShap_agrees_with_XGBoost_pred_contribs_within_1e_4()
    {
        var m = reference.Model.FeatureCount;
        var expected = reference.Model.ExpectedMargin();
        for (var r = 0; r < reference.Rows.Length; r++)
        {
            var phi = TreeShap.Explain(reference.Model, reference.Rows[r]);
            var theirs = reference.Contribs[r];
            Assert.Equal(m + 1, theirs.Length);
            for (var j = 0; j < m; j++)
                Assert.True(Math.Abs(phi[j] - theirs[j]) <= 1e-4, $"row {r}, {reference.Model.FeatureNames[j]}: {phi[j]} vs {theirs[j]}");
            Assert.True(Math.Abs(expected - theirs[m]) <= 1e-4, $"expected value {expected} vs bias {theirs[m]}");
            // Additivity in double against our own margin.
            Assert.True(Math.Abs(phi.Sum() + expected - reference.Model.Margin(reference.Rows[r])) <= 1e-9);
        }
    }

    [Theory]
    [InlineData("\"3E-1\"")]
    [InlineData("0.3")]
    [InlineData("[3E-1]")]
    [InlineData("\"[3E-1]\"")]
    public void Base_score_is_read_as_a_string_a_number_or_a_list(string written)
    {
        var json = JsonNode.Parse(reference.Json)!;
        json["learner"]!["learner_model_param"]!["base_score"] = JsonNode.Parse(written);
        var model = XGBoostJsonReader.Read(Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.Equal(Math.Log(0.3 / 0.7), model.BaseMargin, 6);
        Assert.Equal(OutputLink.Logistic, model.Link);
    }

    [Fact]
    public void Categorical_splits_are_refused_with_a_clear_error()
    {
        var json = JsonNode.Parse(reference.Json)!;
        var tree = json["learner"]!["gradient_booster"]!["model"]!["trees"]![2]!;
        var types = tree["split_type"]!.AsArray();
        types[0] = 1;
        var error = Assert.Throws<InvalidDataException>(() => XGBoostJsonReader.Read(Encoding.UTF8.GetBytes(json.ToJsonString())));
        Assert.Contains("categorical splits are not supported", error.Message);
        Assert.Contains("tree 2", error.Message);
    }
}
