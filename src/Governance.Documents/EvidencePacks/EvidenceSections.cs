using System.Globalization;
using Governance.Documents.Layout;
using Governance.Domain.Evidence;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Documents.EvidencePacks.Sections;

namespace Governance.Documents.EvidencePacks;

/// <summary>
/// The recorded explainability and validation evidence (EvidenceReportRecorded; docs/explainability.md) in the packs, each
/// part where a regulation asks for it. Only recorded numbers are printed; nothing is recomputed. The version's latest
/// report is used; the previous version's latest report, when recorded, is the benchmark.
/// </summary>
internal static class EvidenceSections
{
    private const int TopFeatures = 15;

    private static RecordedEvidence? Latest(ModelVersion? v) => v is null || v.Evidence.Count == 0 ? null : v.Evidence[^1];

    private static string N(double? v, string format = "0.0000") =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : NoValue;

    private static string Pct(double? v) => v is { } x ? N(100 * x, "0.0") + "%" : NoValue;

    private static string Setting(EvidenceReport r, string key) => r.Settings.TryGetValue(key, out var v) ? v : NoValue;

    private static Notice None() =>
        Missing(
            "No explainability or validation evidence is recorded for this version (governance evidence compute, then governance "
                + "evidence record)."
        );

    /// <summary>Which report, on which data, by whom, with which inputs: enough to recompute it with governance evidence verify.</summary>
    private static IEnumerable<Block> Provenance(RecordedEvidence e, PeopleNames people)
    {
        var r = e.Report;
        return
        [
            new KeyValues([
                Fact("Evidence report", $"{e.ReportId} ({r.Kind}), recorded {Time(e.RecordedAt)} by {people.Of(e.RecordedBy)}"),
                Fact(
                    "Dataset",
                    $"{e.DatasetName} {e.DatasetVersion}, role {r.DatasetRole?.ToString() ?? NoValue}, {r.RowCount:N0} rows, "
                        + $"{r.Metrics.Positives:N0} with {Setting(r, "label")} = {Setting(r, "positive")}"
                ),
                Fact("In-sample", r.InSample ? "Yes: computed on training data; metrics overstate performance" : "No"),
                Fact("Model format", r.ModelFormat),
                Fact("Seed; build", $"{r.Seed}; {r.Build}"),
                Fact(
                    "Recomputation",
                    $"governance evidence verify: bit-for-bit on the same build, within {N(r.Tolerance, "0e+0")} on another"
                ),
            ]),
            new Monospace(
                $"artifact sha256      {r.ArtifactDigest}\ndataset file sha256  {r.DatasetFileDigest}\n"
                    + $"per-row SHAP sha256  {r.Shap.PerRowDigest}"
            ),
        ];
    }

    private static IEnumerable<Block> Importance(EvidenceReport r) =>
        [
            new Paragraph(
                $"Exact path-dependent TreeSHAP (Lundberg, Erion and Lee 2018) in log-odds over the {r.RowCount:N0} rows: expected value "
                    + $"{N(r.Shap.ExpectedValue)}, largest additivity residual {N(r.Shap.AdditivityResidual, "0.0e+0")}. Permutation "
                    + $"importance: decrease in ROC AUC when a feature is shuffled ({r.Importance.Method}, {r.Importance.Repeats} repeats)."
            ),
            new BarChart(
                $"Mean |SHAP| per feature (log-odds), the {Math.Min(TopFeatures, r.Shap.Features.Count)} largest of "
                    + $"{r.Shap.Features.Count}",
                r.Shap.Features.OrderByDescending(f => f.MeanAbs)
                    .Take(TopFeatures)
                    .Select(f => new KeyValuePair<string, double>(f.Feature, f.MeanAbs))
                    .ToArray(),
                Math.Max(1e-12, r.Shap.Features.Select(f => f.MeanAbs).DefaultIfEmpty(0).Max())
            ),
            new Table(
                ["Feature", "Mean |SHAP|", "Mean SHAP", "PFI: AUC decrease", "± standard error"],
                [3, 1.3f, 1.3f, 1.5f, 1.5f],
                r.Shap.Features.OrderByDescending(f => f.MeanAbs)
                    .Take(TopFeatures)
                    .Select(f =>
                    {
                        var pfi = r.Importance.Features.FirstOrDefault(p => p.Feature == f.Feature);
                        return (IReadOnlyList<string>)[f.Feature, N(f.MeanAbs), N(f.Mean), N(pfi?.MeanDecrease), N(pfi?.StandardError)];
                    })
                    .ToArray()
            ),
        ];

    private static IReadOnlyList<(string Name, Func<EvidenceReport, double> Value)> MetricList { get; } =
    [
        ("ROC AUC", r => r.Metrics.RocAuc),
        ("Average precision (PR AUC)", r => r.Metrics.AveragePrecision),
        ("KS", r => r.Metrics.Ks),
        ("Gini", r => r.Metrics.Gini),
        ("Brier score", r => r.Metrics.Brier),
        ("Log loss", r => r.Metrics.LogLoss),
        ("Expected calibration error", r => r.Metrics.Calibration.ExpectedCalibrationError),
        ("Calibration slope", r => r.Metrics.Calibration.Slope),
        ("Calibration intercept", r => r.Metrics.Calibration.Intercept),
        ("Chosen threshold", r => r.Metrics.Threshold.ChosenThreshold),
        ("Expected cost per row", r => r.Metrics.Threshold.ExpectedCost),
        ("Approval rate", r => r.Metrics.Threshold.ApprovalRate),
    ];

    private static Table MetricTable(EvidenceReport r) =>
        new(
            ["Metric (recorded evidence)", "Value"],
            [2, 1],
            MetricList.Select(m => (IReadOnlyList<string>)[m.Name, N(m.Value(r))]).ToArray()
        );

    private static IEnumerable<Block> Threshold(EvidenceReport r)
    {
        var t = r.Metrics.Threshold;
        var c = t.Confusion;
        return
        [
            new LineChart(
                $"Expected cost per row by threshold (cost FP {N(t.CostFalsePositive, "0.##")}, FN {N(t.CostFalseNegative, "0.##")}); "
                    + $"chosen {N(t.ChosenThreshold, "0.00")}",
                t.Curve.Select(p => new KeyValuePair<double, double>(p.Threshold, p.ExpectedCost)).ToArray(),
                "threshold (flag when p >= t)",
                "expected cost"
            ),
            new Paragraph(
                $"A row is flagged {Setting(r, "positive")} when its probability is at least the threshold. The chosen threshold "
                    + $"{N(t.ChosenThreshold, "0.00")} minimises the expected cost (cost_fp·FP + cost_fn·FN)/n = {N(t.ExpectedCost)}: "
                    + $"{c.TruePositive} true positives, {c.FalsePositive} false positives, {c.TrueNegative} true negatives, "
                    + $"{c.FalseNegative} false negatives; approval rate {Pct(t.ApprovalRate)}."
            ),
        ];
    }

    private static IEnumerable<Block> Curves(EvidenceReport r) =>
        [
            new LineChart(
                $"ROC curve (AUC {N(r.Metrics.RocAuc)})",
                r.Metrics.Roc.Select(p => new KeyValuePair<double, double>(p.X, p.Y)).ToArray(),
                "false positive rate",
                "true positive rate"
            ),
            new LineChart(
                $"Precision-recall curve (average precision {N(r.Metrics.AveragePrecision)})",
                r.Metrics.PrecisionRecall.Select(p => new KeyValuePair<double, double>(p.X, p.Y)).ToArray(),
                "recall",
                "precision"
            ),
        ];

    private static IEnumerable<Block> Calibration(EvidenceReport r) =>
        [
            new Paragraph(
                $"Reliability diagram: expected calibration error {N(r.Metrics.Calibration.ExpectedCalibrationError)}, calibration slope "
                    + $"{N(r.Metrics.Calibration.Slope, "0.000")} and intercept {N(r.Metrics.Calibration.Intercept, "0.000")} "
                    + "(1 and 0 when calibrated)."
            ),
            new Table(
                ["Bin", "Rows", "Mean predicted", "Observed rate"],
                [1.5f, 1, 1.5f, 1.5f],
                r.Metrics.Calibration.Bins.Select(b =>
                        (IReadOnlyList<string>)
                            [
                                $"({N(b.Lower, "0.0")}, {N(b.Upper, "0.0")}]",
                                b.Count.ToString(CultureInfo.InvariantCulture),
                                b.Count == 0 ? NoValue : N(b.MeanPredicted),
                                b.Count == 0 ? NoValue : N(b.ObservedRate),
                            ]
                    )
                    .ToArray()
            ),
        ];

    private static IEnumerable<Block> Bias(EvidenceReport r)
    {
        var blocks = new List<Block>();
        if (r.Bias.Count == 0)
            blocks.Add(Missing("No protected attribute was examined in the recorded evidence."));
        foreach (var a in r.Bias)
        {
            blocks.Add(new Paragraph($"{a.Attribute} ({a.Definition}); reference group {a.ReferenceGroup}.", Emphasis: true));
            blocks.Add(
                new Table(
                    ["Group", "Rows", "Selection rate", "TPR", "FPR", "Parity difference [95% CI]", "Equal opportunity diff. [95% CI]"],
                    [1.6f, 0.8f, 1.1f, 0.9f, 0.9f, 2.2f, 2.2f],
                    a.Groups.Select(g =>
                            (IReadOnlyList<string>)
                                [
                                    g.SmallGroup ? $"{g.Group} (under 30 rows)" : g.Group,
                                    g.Size.ToString(CultureInfo.InvariantCulture),
                                    Pct(g.SelectionRate),
                                    Pct(g.TruePositiveRate),
                                    Pct(g.FalsePositiveRate),
                                    $"{N(g.DemographicParityDifference, "+0.000;-0.000;0.000")} [{N(g.DemographicParityLow, "0.000")}, "
                                        + $"{N(g.DemographicParityHigh, "0.000")}]",
                                    g.EqualOpportunityDifference is null
                                        ? NoValue
                                        : $"{N(g.EqualOpportunityDifference, "+0.000;-0.000;0.000")} [{N(g.EqualOpportunityLow, "0.000")}, "
                                            + $"{N(g.EqualOpportunityHigh, "0.000")}]",
                                ]
                        )
                        .ToArray()
                )
            );
        }
        if (r.Bias.Count > 0)
            blocks.Add(
                new Paragraph(
                    $"At the chosen threshold {N(r.Metrics.Threshold.ChosenThreshold, "0.00")}. Selection rate: share flagged "
                        + $"{Setting(r, "positive")}; differences from the reference group (the largest) with 95% percentile bootstrap "
                        + $"intervals ({Setting(r, "bootstrapSamples")} resamples)."
                )
            );
        return blocks;
    }

    /// <summary>Annex IV 2(b): what the model relies on (global importance) and what its operating point optimises.</summary>
    public static IEnumerable<Block> DesignChoices(EvidencePackInput i) =>
        Latest(i.Version) is not { } e ? [None()] : [.. Provenance(e, i.People), .. Importance(e.Report), .. Threshold(e.Report)];

    /// <summary>Annex IV 2(g) and SR 11-7 outcomes analysis: discrimination, calibration, threshold and per-group outcomes.</summary>
    public static IEnumerable<Block> Testing(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            :
            [
                new Paragraph(
                    $"Outcomes on {e.DatasetName} {e.DatasetVersion} ({e.Report.DatasetRole}, report {e.ReportId}; provenance in the "
                        + "explainability section)."
                ),
                MetricTable(e.Report),
                .. Curves(e.Report),
                .. Calibration(e.Report),
                .. Threshold(e.Report),
                .. ProtectedStatement(e.Report),
                .. Bias(e.Report),
            ];

    private static IEnumerable<Block> ProtectedStatement(EvidenceReport r) =>
        ProtectedInputs.Statement(r) is { } used ? [new Notice(used)] : [];

    /// <summary>Model card quantitative analyses: outcomes per protected group.</summary>
    public static IEnumerable<Block> GroupOutcomes(EvidencePackInput i) => Latest(i.Version) is not { } e ? [None()] : Bias(e.Report);

    /// <summary>Annex IV 3: the limits of performance the evidence shows (per-group outcomes are in 2(g)).</summary>
    public static IEnumerable<Block> PerformanceLimits(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            : [.. Limitations(e.Report), new Paragraph("Outcomes per group of persons are in section 2(g), with the bias examination.")];

    private static IEnumerable<Block> Limitations(EvidenceReport r)
    {
        var lines = new List<string>();
        if (r.InSample)
            lines.Add("The recorded evidence is in-sample (training data): its metrics overstate performance on new cases.");
        foreach (var g in r.Bias.SelectMany(a => a.Groups.Where(g => g.SmallGroup).Select(g => $"{a.Attribute}: {g.Group}")))
            lines.Add($"Group {g} has under 30 rows: its rates and intervals are unreliable.");
        var c = r.Metrics.Calibration;
        lines.Add(
            $"Calibration: expected calibration error {N(c.ExpectedCalibrationError)}, slope {N(c.Slope, "0.000")}, intercept "
                + $"{N(c.Intercept, "0.000")}; probabilities are {(Math.Abs(c.Slope - 1) <= 0.2 ? "close to" : "away from")} calibrated "
                + "by the slope (1 when calibrated)."
        );
        return lines.Select(l => (Block)new Paragraph(l));
    }

    /// <summary>Annex IV 4: what each recorded metric measures and the cost matrix that sets the operating point.</summary>
    public static IEnumerable<Block> MetricAppropriateness(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            :
            [
                new Paragraph(
                    "The recorded evidence measures ranking (ROC AUC, Gini, KS; average precision for the positive class, which matters "
                        + "when it is rare), probability quality (Brier score, log loss, calibration), the cost of decisions at the "
                        + $"operating threshold under the recorded cost matrix (false positive {Setting(e.Report, "costFalsePositive")}, "
                        + $"false negative {Setting(e.Report, "costFalseNegative")}), and outcomes per protected group "
                        + $"({string.Join(", ", e.Report.Bias.Select(b => b.Attribute).DefaultIfEmpty("none examined"))})."
                ),
                TechnicalFileSections.Has(i, Domain.TechnicalDocumentation.DocumentationItem.MetricsRationale)
                    ? new Paragraph("The business rationale for the metrics and the cost matrix is the provider's statement above.")
                    : Missing("The business rationale for the cost matrix is not recorded; the values above are the validator's settings."),
            ];

    /// <summary>Article 13: what a deployer needs to interpret outputs: the explanation method and what drives scores.</summary>
    public static IEnumerable<Block> Interpretation(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            :
            [
                new Paragraph(
                    "Outputs are probabilities of the positive class; each can be explained by exact TreeSHAP values in log-odds, "
                        + $"which add up to the score's log-odds from the expected value {N(e.Report.Shap.ExpectedValue)}. "
                        + "The features that move "
                        + "scores most on average (mean |SHAP|): "
                        + string.Join(
                            ", ",
                            e.Report.Shap.Features.OrderByDescending(f => f.MeanAbs)
                                .Take(5)
                                .Select(f => $"{f.Feature} ({N(f.MeanAbs, "0.000")})")
                        )
                        + ". Performance per group of persons is in the bias examination of section 2(g)."
                ),
                .. ProtectedStatement(e.Report),
            ];

    /// <summary>Article 15 and the model card's metrics: the accuracy levels of the recorded evidence.</summary>
    public static IEnumerable<Block> AccuracyLevels(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            :
            [
                new Paragraph(
                    $"Recorded evidence {e.ReportId} on {e.DatasetName} {e.DatasetVersion} ({e.Report.DatasetRole}, "
                        + $"{e.Report.RowCount:N0} rows"
                        + $"{(e.Report.InSample ? ", in-sample" : "")})."
                ),
                MetricTable(e.Report),
            ];

    /// <summary>SR 11-7 benchmarking: this version's evidence against the previous version's, when both are recorded.</summary>
    public static IEnumerable<Block> Benchmarking(EvidencePackInput i)
    {
        if (Latest(i.Version) is not { } e)
            return [None()];
        if (Latest(i.PreviousVersion) is not { } p)
            return [Missing("No earlier version of this model has evidence recorded to benchmark against.")];
        var (r, q) = (e.Report, p.Report);
        var rank = q
            .Shap.Features.OrderByDescending(f => f.MeanAbs)
            .Select((f, n) => (f.Feature, n))
            .ToDictionary(x => x.Feature, x => x.n + 1);
        return
        [
            new Paragraph(
                $"Against version {i.PreviousVersion!.Version} (report {p.ReportId} on {p.DatasetName} {p.DatasetVersion}, "
                    + $"{q.DatasetRole}): "
                    + (
                        q.DatasetFileDigest == r.DatasetFileDigest
                            ? "the same dataset file."
                            : "a different dataset file, so differences also reflect the data."
                    )
            ),
            new Table(
                ["Metric", i.Version.Version, i.PreviousVersion.Version, "Change"],
                [2, 1, 1, 1],
                MetricList
                    .Select(m =>
                        (IReadOnlyList<string>)[m.Name, N(m.Value(r)), N(m.Value(q)), N(m.Value(r) - m.Value(q), "+0.0000;-0.0000;0.0000")]
                    )
                    .ToArray()
            ),
            new Table(
                ["Feature (by mean |SHAP|)", $"Rank in {i.Version.Version}", $"Rank in {i.PreviousVersion.Version}"],
                [3, 1, 1],
                r.Shap.Features.OrderByDescending(f => f.MeanAbs)
                    .Take(10)
                    .Select(
                        (f, n) =>
                            (IReadOnlyList<string>)
                                [
                                    f.Feature,
                                    (n + 1).ToString(CultureInfo.InvariantCulture),
                                    rank.TryGetValue(f.Feature, out var b) ? b.ToString(CultureInfo.InvariantCulture) : "not ranked",
                                ]
                    )
                    .ToArray()
            ),
        ];
    }

    /// <summary>Model card factors: the groups the evidence examined, and whether protected attributes are inputs.</summary>
    public static IEnumerable<Block> Factors(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? [None()]
            :
            [
                e.Report.Bias.Count == 0
                    ? Missing("The recorded evidence examined no protected group.")
                    : new Table(
                        ["Protected attribute", "Definition", "Groups (rows)"],
                        [1.4f, 3, 3],
                        e.Report.Bias.Select(b =>
                                (IReadOnlyList<string>)
                                    [b.Attribute, b.Definition, string.Join(", ", b.Groups.Select(g => $"{g.Group} ({g.Size})"))]
                            )
                            .ToArray()
                    ),
                .. ProtectedStatement(e.Report),
            ];

    /// <summary>Model card caveats: what the evidence itself says to be careful about.</summary>
    public static IEnumerable<Block> Caveats(EvidencePackInput i) =>
        Latest(i.Version) is not { } e
            ? []
            : [.. ProtectedInputs.Statement(e.Report) is { } used ? new Block[] { new Paragraph(used) } : [], .. Limitations(e.Report)];

    /// <summary>Model card: explainability in full (provenance, importance).</summary>
    public static IEnumerable<Block> Explainability(EvidencePackInput i) =>
        Latest(i.Version) is not { } e ? [None()] : [.. Provenance(e, i.People), .. Importance(e.Report)];
}
