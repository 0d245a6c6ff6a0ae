using Governance.Explainability.Data;
using Governance.Explainability.Trees;

namespace Governance.Explainability.Tests;

public sealed class MlNetFixture : IDisposable
{
    public MlNetFixture()
    {
        Folder = Reference.NewFolder("mlnet");
        // The German credit data with some cells missing ("NaN", which ML.NET reads as missing), to exercise the direction.
        var lines = File.ReadAllLines(Reference.GermanCredit());
        var random = new Random(8);
        for (var i = 1; i < lines.Length; i++)
            if (random.NextDouble() < 0.2)
            {
                var cells = lines[i].Split(',');
                cells[random.Next(0, 9)] = "NaN";
                lines[i] = string.Join(',', cells);
            }
        Credit = Path.Combine(Folder, "german_credit_missing.csv");
        File.WriteAllLines(Credit, lines);
        FastTree = Path.Combine(Folder, "fasttree.zip");
        LightGbm = Path.Combine(Folder, "lightgbm.zip");
        MlNetModels.Train(Credit, "Class", "Bad", FastTree, lightGbm: false);
        MlNetModels.Train(Credit, "Class", "Bad", LightGbm, lightGbm: true);
    }

    public string Folder { get; }
    public string Credit { get; }
    public string FastTree { get; }
    public string LightGbm { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public class MlNetTreeModelTests(MlNetFixture fixture) : IClassFixture<MlNetFixture>
{
    [Theory]
    [InlineData(false, "mlnet-fasttree")]
    [InlineData(true, "mlnet-lightgbm")]
    public void Our_margin_equals_MLNET_score_within_1e_5_and_TreeShap_adds_up_to_it(bool lightGbm, string format)
    {
        var model = MlNetTreeModel.Load(lightGbm ? fixture.LightGbm : fixture.FastTree, 1);
        Assert.Equal(format, model.Ensemble.Format);
        Assert.Equal("Duration", model.Ensemble.FeatureNames[0]);
        var table = CsvTable.Read(fixture.Credit);
        var (rows, scores) = model.Score(model.LoadCsv(fixture.Credit, table.Columns, "Class"));
        Assert.Equal(1000, rows.Length);
        Assert.True(rows.Count(r => r.Any(double.IsNaN)) > 100);
        var ensemble = model.Ensemble.WithCoverFrom(rows);
        var expected = ensemble.ExpectedMargin();
        for (var i = 0; i < rows.Length; i++)
        {
            var margin = ensemble.Margin(rows[i]);
            Assert.True(Math.Abs(margin - scores[i]) <= 1e-5, $"row {i}: {margin} vs ML.NET {scores[i]}");
            var residual = TreeShap.Explain(ensemble, rows[i]).Sum() + expected - margin;
            Assert.True(Math.Abs(residual) <= 1e-9, $"row {i}: additivity residual {residual}");
        }
    }

    [Fact]
    public void Cover_from_background_rows_counts_the_rows_reaching_each_node()
    {
        var model = MlNetTreeModel.Load(fixture.FastTree, 1);
        var table = CsvTable.Read(fixture.Credit);
        var (rows, _) = model.Score(model.LoadCsv(fixture.Credit, table.Columns, "Class"));
        var tree = model.Ensemble.WithCoverFrom(rows).Trees[0];
        Assert.Equal(1000, tree.Cover[0]);
        for (var n = 0; n < tree.NodeCount; n++)
            if (!tree.IsLeaf(n))
                Assert.Equal(tree.Cover[n], tree.Cover[tree.Left[n]] + tree.Cover[tree.Right[n]]);
    }
}
