using Governance.Domain.Evidence;
using Governance.Explainability.Evidence;

namespace Governance.Explainability.Tests;

public class EvidenceComputationTests(MlNetFixture mlnet, XGBoostReference xgboost)
    : IClassFixture<MlNetFixture>,
        IClassFixture<XGBoostReference>
{
    private static readonly string[] Protected = ["sex=female:Personal.Female.NotSingle,Personal.Female.Single", "Age=<25,25-59,>=60"];

    [Fact]
    public void An_MLNET_report_carries_digests_settings_and_a_tiny_additivity_residual_and_recomputes_bit_for_bit()
    {
        var request = new EvidenceRequest(mlnet.FastTree, mlnet.Credit, "Class", "Bad", DatasetRole.Holdout, Protected, 1, 5, Repeats: 3);
        var first = EvidenceComputation.Compute(request);
        var r = first.Report;
        Assert.Equal("mlnet-fasttree", r.ModelFormat);
        Assert.Equal(1000, r.RowCount);
        Assert.False(r.InSample);
        Assert.StartsWith("sha256:", r.ArtifactDigest);
        Assert.StartsWith("sha256:", r.DatasetFileDigest);
        Assert.True(r.Shap.AdditivityResidual <= 1e-9, $"residual {r.Shap.AdditivityResidual}");
        Assert.Equal(61, r.Importance.Features.Count);
        Assert.Equal(2, r.Bias.Count);
        var female = r.Bias[0].Groups.Single(g => g.Group == "female");
        Assert.Equal(310, female.Size);
        // The fixture blanked some ages: those rows fall in no band; groups under 30 rows are flagged.
        Assert.Equal(["25-59", "<25", ">=60", "unbanded"], r.Bias[1].Groups.Select(g => g.Group));
        Assert.All(r.Bias[1].Groups, g => Assert.Equal(g.Size < 30, g.SmallGroup));
        Assert.Contains(r.Bias[0].Groups, g => !g.SmallGroup);
        Assert.True(r.Metrics.RocAuc > 0.7);
        Assert.Equal("1", r.Settings["costFalsePositive"]);

        // The same inputs on the same build: every number bit-for-bit, and the per-row SHAP file byte for byte.
        var again = EvidenceComputation.Compute(EvidenceRequest.From(r, mlnet.FastTree, mlnet.Credit) with { Repeats = 3 });
        var verification = EvidenceComparison.Compare(r, again.Report);
        Assert.True(verification.SameBuild);
        Assert.Empty(verification.Differences);
        Assert.Equal(first.PerRowShapCsv, again.PerRowShapCsv);

        var tampered = r with { Metrics = r.Metrics with { RocAuc = BitIncrement(r.Metrics.RocAuc) } };
        var difference = Assert.Single(EvidenceComparison.Compare(tampered, again.Report).Differences);
        Assert.Equal("$.metrics.rocAuc", difference.Path);
    }

    [Fact]
    public void An_XGBoost_report_uses_the_models_cover_and_the_common_permutation_procedure()
    {
        var model = Path.Combine(xgboost.Folder, "model.json");
        var request = new EvidenceRequest(
            model,
            Reference.GermanCredit(),
            "Class",
            "Bad",
            DatasetRole.Training,
            Protected,
            Repeats: 2,
            MaxThreads: 2
        );
        var r = EvidenceComputation.Compute(request).Report;
        Assert.Equal("xgboost-json", r.ModelFormat);
        Assert.True(r.InSample);
        Assert.True(r.Shap.AdditivityResidual <= 1e-9);
        Assert.Equal(xgboost.Model.ExpectedMargin(), r.Shap.ExpectedValue);
        Assert.StartsWith("permutation", r.Importance.Method);
        // Another degree of parallelism gives the same numbers.
        var single = EvidenceComputation.Compute(request with { MaxThreads = 1 }).Report;
        Assert.Empty(EvidenceComparison.Compare(r, single).Differences);
    }

    private static double BitIncrement(double v) => Math.BitIncrement(v);
}
