using Governance.Explainability.Data;
using Governance.Explainability.Trees;
using Governance.Explainability.Validation;
using Microsoft.ML;

namespace Governance.Explainability.Tests;

public class PermutationImportanceTests
{
    [Fact]
    public void With_MLNET_a_pure_noise_feature_ranks_last()
    {
        var folder = Reference.NewFolder("pfi-mlnet");
        try
        {
            var csv = MlNetModels.Synthetic(folder);
            var zip = Path.Combine(folder, "model.zip");
            MlNetModels.Train(csv, "label", "yes", zip, lightGbm: false, trees: 50);
            var model = MlNetTreeModel.Load(zip, 5);
            var data = model.LoadCsv(csv, CsvTable.Read(csv).Columns, "label");
            var labelled = model
                .Context.Transforms.Expression("L", "c => c == \"yes\"", "label")
                .Fit(data)
                .Transform(model.Model.Transform(data));
            var importance = PermutationImportance.ComputeMlNet(model, labelled, "L", repeats: 5);
            AssertNoiseLast(importance);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Through_the_common_scoring_function_of_an_XGBoost_model_a_pure_noise_feature_ranks_last_reproducibly()
    {
        var folder = Reference.NewFolder("pfi-xgb");
        try
        {
            var csv = MlNetModels.Synthetic(folder);
            var json = Path.Combine(folder, "model.json");
            Reference.Run("xgboost_train.py", csv, "label", "yes", json);
            var ensemble = XGBoostJsonReader.Read(File.ReadAllBytes(json));
            var table = CsvTable.Read(csv);
            var rows = table.Features(ensemble.FeatureNames);
            var labels = table.Labels("label", "yes");
            double[] Score(IReadOnlyList<double[]> batch) => batch.Select(r => ensemble.Margin(r)).ToArray();
            var importance = PermutationImportance.Compute(Score, rows, labels, ensemble.FeatureNames, 5, 3);
            AssertNoiseLast(importance);
            Assert.Equal(importance, PermutationImportance.Compute(Score, rows, labels, ensemble.FeatureNames, 5, 3));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void AssertNoiseLast(IReadOnlyList<FeatureImportance> importance)
    {
        Assert.Equal(5, importance.Count);
        var ranked = importance.OrderByDescending(f => f.MeanDecrease).Select(f => f.Feature).ToArray();
        Assert.Equal("noise", ranked[^1]);
        Assert.Equal("x1", ranked[0]);
        Assert.All(importance, f => Assert.True(f.StandardError >= 0 && f.Repeats == 5));
    }
}
