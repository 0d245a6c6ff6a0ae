using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Governance.Domain.Evidence;
using Governance.Explainability.Data;
using Governance.Explainability.Trees;
using Governance.Explainability.Validation;
using Microsoft.ML;

namespace Governance.Explainability.Evidence;

/// <summary>What to compute evidence from, and how.</summary>
/// <param name="Artifact">An XGBoost JSON model or an ML.NET model zip (FastTree or LightGbm binary classifier).</param>
/// <param name="Dataset">A CSV with a header, holding the model's features, the label and the protected columns.</param>
/// <param name="Protected">Protected attributes in <see cref="ProtectedAttribute.Parse"/>'s forms.</param>
/// <param name="Repeats">Permutations per feature for permutation importance (≥ 2).</param>
/// <param name="MaxThreads">Threads for TreeSHAP and permutation importance; the result does not depend on it.</param>
public sealed record EvidenceRequest(
    string Artifact,
    string Dataset,
    string Label,
    string Positive,
    DatasetRole Role,
    IReadOnlyList<string> Protected,
    double CostFalsePositive = 1,
    double CostFalseNegative = 5,
    int Seed = 20261129,
    int Repeats = 5,
    int MaxThreads = -1
)
{
    /// <summary>The request a recorded report was computed with, for the same artifact and dataset files.</summary>
    /// <exception cref="ArgumentException">When the report's settings lack a value this needs.</exception>
    public static EvidenceRequest From(EvidenceReport report, string artifact, string dataset)
    {
        string S(string key) =>
            report.Settings.TryGetValue(key, out var v) ? v : throw new ArgumentException($"The report's settings have no \"{key}\".");
        double D(string key) => double.Parse(S(key), CultureInfo.InvariantCulture);
        var protectedText = S("protected");
        return new EvidenceRequest(
            artifact,
            dataset,
            S("label"),
            S("positive"),
            report.DatasetRole ?? throw new ArgumentException("The report has no dataset role."),
            protectedText.Length == 0 ? [] : protectedText.Split(" | "),
            D("costFalsePositive"),
            D("costFalseNegative"),
            report.Seed,
            int.Parse(S("permutationRepeats"), CultureInfo.InvariantCulture)
        );
    }
}

/// <summary>A computed report and the per-row SHAP file its <see cref="ShapSummary.PerRowDigest"/> names.</summary>
public sealed record EvidenceResult(EvidenceReport Report, byte[] PerRowShapCsv);

/// <summary>
/// Computes an <see cref="EvidenceReport"/>: TreeSHAP (with its additivity residual), permutation importance, validation
/// metrics, the cost-sensitive threshold and the bias examination at it, with the digests of the artifact and the dataset,
/// the seed, the settings and the build. Deterministic: the same inputs on the same build give the same bytes.
/// </summary>
public static class EvidenceComputation
{
    /// <summary>The largest difference a recomputation on another platform may show (libm and JIT differences in the last bits).</summary>
    public const double CrossPlatformTolerance = 1e-9;

    /// <summary>
    /// Our margin must equal ML.NET's own float32 score to this tolerance, or the SHAP values would explain another model.
    /// </summary>
    public const double MlNetScoreTolerance = 1e-5;

    /// <exception cref="ArgumentException">Bad settings: a missing column, a label without both classes, a malformed attribute.</exception>
    /// <exception cref="InvalidDataException">An unreadable or unsupported model or dataset.</exception>
    public static EvidenceResult Compute(EvidenceRequest request)
    {
        // Managed linear algebra only: a native BLAS could change the last bits between machines.
        MathNet.Numerics.Control.UseManaged();
        if (request.Positive.Contains('"') || request.Positive.Contains('\\'))
            throw new ArgumentException("The positive label value may not contain quotes or backslashes.");
        var attributes = request.Protected.Select(ProtectedAttribute.Parse).ToArray();
        var artifactBytes = File.ReadAllBytes(request.Artifact);
        var artifactDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(artifactBytes));
        var table = CsvTable.Read(request.Dataset);
        var labels = table.Labels(request.Label, request.Positive);

        TreeEnsemble ensemble;
        double[][] rows;
        PermutationImportanceSummary importance;
        string cover;
        if (artifactBytes.Length > 1 && artifactBytes[0] == (byte)'P' && artifactBytes[1] == (byte)'K')
        {
            var model = MlNetTreeModel.Load(request.Artifact, request.Seed);
            var data = model.LoadCsv(request.Dataset, table.Columns, request.Label);
            var (features, scores) = model.Score(data);
            rows = features;
            // ML.NET stores no node cover: the dataset's own rows are routed through the trees.
            ensemble = model.Ensemble.WithCoverFrom(rows);
            cover = "rows of this dataset routed through the trees";
            for (var i = 0; i < rows.Length; i++)
            {
                var difference = Math.Abs(ensemble.Margin(rows[i]) - scores[i]);
                if (difference > MlNetScoreTolerance)
                    throw new InvalidDataException(
                        $"Row {i + 1}: our margin differs from ML.NET's score by {difference}; refusing to explain."
                    );
            }
            var labelled = model
                .Context.Transforms.Expression("EvidenceLabel", $"c => c == \"{request.Positive}\"", request.Label)
                .Fit(data)
                .Transform(model.Model.Transform(data));
            importance = new PermutationImportanceSummary(
                "Microsoft.ML PermutationFeatureImportance, ROC AUC",
                request.Repeats,
                Top(PermutationImportance.ComputeMlNet(model, labelled, "EvidenceLabel", request.Repeats))
            );
        }
        else
        {
            ensemble = XGBoostJsonReader.Read(artifactBytes);
            rows = table.Features(ensemble.FeatureNames);
            cover = "the model's sum_hessian";
            importance = new PermutationImportanceSummary(
                "permutation of each feature through the ensemble's margin, ROC AUC",
                request.Repeats,
                Top(
                    PermutationImportance.Compute(
                        batch => batch.Select(r => ensemble.Margin(r)).ToArray(),
                        rows,
                        labels,
                        ensemble.FeatureNames,
                        request.Repeats,
                        request.Seed
                    )
                )
            );
        }

        var margins = rows.Select(r => ensemble.Margin(r)).ToArray();
        var probabilities = margins.Select(ensemble.Output).ToArray();
        var (shap, perRow) = Shap(ensemble, rows, margins, request.MaxThreads);
        var metrics = BinaryMetrics.Compute(probabilities, labels, request.CostFalsePositive, request.CostFalseNegative);
        var bias = attributes
            .Select(a =>
                BiasExamination.Examine(
                    a,
                    table.Cells,
                    table.IndexOf,
                    probabilities,
                    labels,
                    metrics.Threshold.ChosenThreshold,
                    request.Seed
                )
            )
            .ToArray();

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["label"] = request.Label,
            ["positive"] = request.Positive,
            ["costFalsePositive"] = request.CostFalsePositive.ToString("R", CultureInfo.InvariantCulture),
            ["costFalseNegative"] = request.CostFalseNegative.ToString("R", CultureInfo.InvariantCulture),
            ["protected"] = string.Join(" | ", request.Protected),
            ["permutationRepeats"] = request.Repeats.ToString(CultureInfo.InvariantCulture),
            ["bootstrapSamples"] = BiasExamination.BootstrapSamples.ToString(CultureInfo.InvariantCulture),
            ["reliabilityBins"] = "10",
            ["thresholdGrid"] = "0 to 1 by 0.01; flagged positive when p >= t",
            ["shap"] = "exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2), margin space",
            ["cover"] = cover,
            ["features"] = ensemble.FeatureCount.ToString(CultureInfo.InvariantCulture),
        };
        var report = new EvidenceReport(
            EvidenceLimits.Kind,
            artifactDigest,
            ensemble.Format,
            table.Sha256,
            request.Role,
            request.Role == DatasetRole.Training,
            rows.Length,
            settings,
            request.Seed,
            Build(),
            CrossPlatformTolerance,
            shap,
            importance,
            metrics,
            bias
        );
        return new EvidenceResult(report, perRow);
    }

    /// <summary>The assemblies, runtime and platform that computed a report.</summary>
    public static string Build()
    {
        static string Version(Assembly a) =>
            a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "?";
        return $"Governance.Explainability {Version(typeof(EvidenceComputation).Assembly)}; "
            + $"Microsoft.ML {Version(typeof(MLContext).Assembly)}; MathNet.Numerics {Version(typeof(MathNet.Numerics.Control).Assembly)}; "
            + $"{RuntimeInformation.FrameworkDescription}; {RuntimeInformation.RuntimeIdentifier}";
    }

    private static (ShapSummary Summary, byte[] PerRow) Shap(TreeEnsemble ensemble, double[][] rows, double[] margins, int maxThreads)
    {
        var phi = TreeShap.ExplainAll(ensemble, rows, maxThreads);
        var expected = ensemble.ExpectedMargin();
        var m = ensemble.FeatureCount;
        var meanAbs = new double[m];
        var mean = new double[m];
        var residual = 0.0;
        var csv = new StringBuilder();
        csv.AppendJoin(',', ensemble.FeatureNames).Append(",expected_value\n");
        for (var r = 0; r < rows.Length; r++)
        {
            var sum = 0.0;
            for (var j = 0; j < m; j++)
            {
                sum += phi[r][j];
                meanAbs[j] += Math.Abs(phi[r][j]);
                mean[j] += phi[r][j];
                csv.Append(phi[r][j].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            }
            csv.Append(expected.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            residual = Math.Max(residual, Math.Abs(sum + expected - margins[r]));
        }
        var features = Enumerable
            .Range(0, m)
            .Select(j => new FeatureShap(ensemble.FeatureNames[j], meanAbs[j] / rows.Length, mean[j] / rows.Length))
            .OrderByDescending(f => f.MeanAbs)
            .ThenBy(f => f.Feature, StringComparer.Ordinal)
            .Take(EvidenceLimits.MaxFeatures)
            .ToArray();
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        return (new ShapSummary(expected, residual, features, digest), bytes);
    }

    private static IReadOnlyList<FeatureImportanceValue> Top(IReadOnlyList<FeatureImportance> all) =>
        all.Select(f => new FeatureImportanceValue(f.Feature, f.MeanDecrease, f.StandardError))
            .OrderByDescending(f => f.MeanDecrease)
            .ThenBy(f => f.Feature, StringComparer.Ordinal)
            .Take(EvidenceLimits.MaxFeatures)
            .ToArray();
}
