using Governance.Domain.Evidence;

namespace Governance.Documents.Tests;

/// <summary>
/// A small, fixed explainability report of the kind <c>governance evidence compute</c> records (four features, short curves,
/// sex and age groups), for the packs' golden text and the UI's tests.
/// </summary>
internal static class EvidenceFixture
{
    public const string HoldoutFile = "sha256:2ba92bbb6d1a1b79f5cb10e4cb6c14d7b7dd49c03d7b16ff6d1d3f0e0d23bc7a";

    /// <param name="shift">Moves the headline numbers, so that two versions' reports differ.</param>
    public static EvidenceReport Report(string artifactDigest, double shift) =>
        new(
            EvidenceLimits.Kind,
            artifactDigest,
            "mlnet-fasttree",
            HoldoutFile,
            DatasetRole.Holdout,
            false,
            299,
            new Dictionary<string, string>
            {
                ["label"] = "Class",
                ["positive"] = "Bad",
                ["costFalsePositive"] = "1",
                ["costFalseNegative"] = "5",
                ["protected"] = "sex=female:Personal.Female.NotSingle,Personal.Female.Single | Age=<25,25-59,>=60",
                ["permutationRepeats"] = "3",
                ["bootstrapSamples"] = "1000",
            },
            20261129,
            "Governance.Explainability 1.0.0+golden; .NET 10.0.0; linux-x64",
            1e-9,
            new ShapSummary(
                -0.85 + shift,
                3.1e-15,
                [
                    new FeatureShap("CheckingAccountStatus.none", 0.412 + shift, -0.121),
                    new FeatureShap("Duration", 0.287, 0.034 + shift),
                    new FeatureShap("Age", 0.153 - shift, 0.018),
                    new FeatureShap("Personal.Female.NotSingle", 0.061, 0.009),
                ],
                "sha256:" + new string('5', 64)
            ),
            new PermutationImportanceSummary(
                "Microsoft.ML PermutationFeatureImportance",
                3,
                [
                    new FeatureImportanceValue("CheckingAccountStatus.none", 0.061 + shift, 0.006),
                    new FeatureImportanceValue("Duration", 0.032, 0.004),
                    new FeatureImportanceValue("Age", 0.011, 0.003),
                    new FeatureImportanceValue("Personal.Female.NotSingle", 0.002, 0.001),
                ]
            ),
            new ValidationMetrics(
                299,
                90,
                0.786 + shift,
                0.612 + shift,
                0.448,
                0.572 + 2 * shift,
                0.162,
                0.489,
                [new(0, 0, 1), new(0.1, 0.42, 0.6), new(0.3, 0.74, 0.35), new(1, 1, 0)],
                [new(0, 1, 1), new(0.42, 0.71, 0.6), new(0.74, 0.52, 0.35), new(1, 0.3, 0)],
                new CalibrationSummary(
                    [new(0, 0.2, 120, 0.11, 0.1), new(0.2, 0.5, 110, 0.33, 0.36), new(0.5, 1, 69, 0.68, 0.62)],
                    0.031,
                    0.94,
                    -0.05
                ),
                new ThresholdAnalysis(
                    1,
                    5,
                    [new(0, 0.699), new(0.25, 0.512), new(0.5, 0.605), new(0.75, 0.98), new(1, 1.505)],
                    0.25,
                    0.512,
                    new Confusion(70, 83, 126, 20),
                    0.488
                )
            ),
            [
                new BiasAttribute(
                    "sex",
                    "sex=female:Personal.Female.NotSingle,Personal.Female.Single",
                    "other",
                    [
                        new GroupOutcome("other", 205, 0.49, 0.75, 0.39, 0, 0, 0, 0, 0, 0, false),
                        new GroupOutcome("female", 94, 0.55, 0.82, 0.42, 0.06, -0.06, 0.18, 0.07, -0.1, 0.22, false),
                    ]
                ),
                new BiasAttribute(
                    "Age",
                    "Age=<25,25-59,>=60",
                    "25-59",
                    [
                        new GroupOutcome("<25", 48, 0.71, 0.9, 0.6, 0.22, 0.08, 0.36, 0.12, -0.05, 0.27, false),
                        new GroupOutcome("25-59", 233, 0.49, 0.78, 0.37, 0, 0, 0, 0, 0, 0, false),
                        new GroupOutcome(">=60", 18, 0.39, null, 0.39, -0.1, -0.33, 0.12, null, null, null, true),
                    ]
                ),
            ]
        );
}
