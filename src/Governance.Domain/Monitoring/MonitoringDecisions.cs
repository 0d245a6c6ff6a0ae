using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Attestations;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Monitoring;

/// <summary>Record a monitoring report computed by the owner (the sample stays with them) for a version in an environment.</summary>
/// <param name="ReportId">Assigned by the ledger (<c>monitoring-</c> and a UUID), not by the caller.</param>
/// <param name="StatedPlan">The plan stated with the report: required when no approval of the version in the environment
/// carries a signed plan; otherwise optional, and refused unless it is the signed one.</param>
public sealed record RecordMonitoringReport(
    string ReportId,
    string? Environment,
    MonitoringPlan? StatedPlan,
    MonitoringReport? Report,
    string? Reason
);

/// <summary>
/// A monitoring report was recorded (EU AI Act Art. 72 post-market monitoring; SR 26-2 ongoing monitoring), on the
/// monitoring stream of the version in the environment (<see cref="MonitoringStream.StreamKey"/>), never on the version's.
/// </summary>
/// <param name="PlanSource">Where the plan comes from: <c>approval:{id}</c> (the plan signed with that approval, which
/// governs the version in the environment) or <c>stated</c> (stated with the report, when no approval carries one).</param>
/// <param name="PlanDigest">SHA-256 of the plan's RFC 8785 canonical JSON (<see cref="MonitoringDecisions.DigestOf"/>).</param>
/// <param name="ReportDigest">SHA-256 of the report's RFC 8785 canonical JSON: the report's identity for a breach.</param>
public sealed record MonitoringReportRecorded(
    string ReportId,
    string ModelId,
    string Version,
    string Environment,
    MonitoringPlan Plan,
    string PlanSource,
    string PlanDigest,
    MonitoringReport Report,
    string ReportDigest,
    Audit Audit
) : ILedgerEvent;

/// <summary>The monitoring stream of one version in one environment, folded: how many reports and the latest.</summary>
public sealed record MonitoringStream
{
    /// <summary>The stream key (<see cref="StreamKey"/>).</summary>
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string Environment { get; init; }
    public required int Reports { get; init; }
    public required string LastReportId { get; init; }
    public required MonitoringVerdict LastVerdict { get; init; }

    /// <summary>The stream of a version's reports in an environment: <c>monitoring:{model}@{version}/{environment}</c>.</summary>
    public static string StreamKey(string modelId, string version, string environment) => $"monitoring:{modelId}@{version}/{environment}";

    public static MonitoringStream? Evolve(MonitoringStream? state, object @event) =>
        @event switch
        {
            MonitoringReportRecorded e => new MonitoringStream
            {
                Id = StreamKey(e.ModelId, e.Version, e.Environment),
                ModelId = e.ModelId,
                Version = e.Version,
                Environment = e.Environment,
                Reports = (state?.Reports ?? 0) + 1,
                LastReportId = e.ReportId,
                LastVerdict = e.Report.Verdict,
            },
            _ => state,
        };
}

/// <summary>
/// Who may record monitoring reports and what a report must be: the model's owner or a delegate (a person or a machine client
/// such as the scoring host), or a deployment pipeline; the ledger cannot recompute the statistics (it never sees the sample)
/// but refuses a report that does not follow the plan (its features, tests, thresholds, pins) or whose verdicts do not
/// follow from its statistics (<see cref="MonitoringVerdicts"/>).
/// </summary>
public static class MonitoringDecisions
{
    private static readonly JsonSerializerOptions DigestJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary><c>sha256:</c> of the RFC 8785 canonical JSON (camelCase names, enums by name) of <paramref name="value"/>.</summary>
    public static string DigestOf<T>(T value) => Digest.OfBytes(Jcs.Canonicalize(JsonSerializer.SerializeToElement(value, DigestJson)));

    /// <summary>
    /// Records a report against the plan that governs it: the monitoring plan signed with the version's approval in the
    /// environment (<see cref="BreachDecisions.GoverningApproval"/>), else the plan stated with the report. A drift report's
    /// reference is the plan's reference dataset: its manifest digest, or the SHA-256 of one of its registered files.
    /// </summary>
    /// <param name="referenceFiles">SHA-256 digests of the files of the registered dataset whose manifest digest is the
    /// governing plan's reference (empty when no such dataset is registered).</param>
    /// <exception cref="GovernanceRuleException">Invalid fields (named, e.g. <c>report.features[0].verdict</c>), among them
    /// verdicts that do not follow and a stated plan that is not the signed one; forbidden to anyone but the model's steward
    /// or a deployment pipeline.</exception>
    public static MonitoringReportRecorded Decide(
        RecordMonitoringReport command,
        Model model,
        ModelVersion version,
        IReadOnlyCollection<string> referenceFiles,
        CommandContext context
    )
    {
        var check = new InputCheck().Slug(command.Environment, "environment").Optional(command.Reason, "reason", 2000, multiline: true);
        check.ThrowIfAny();
        var governing = BreachDecisions.GoverningApproval(version, command.Environment!, context.Now);
        var stated = command.StatedPlan is { } s ? MonitoringPlanRules.Normalized(s) : null;
        if (governing is not null)
        {
            if (stated is not null && DigestOf(stated) != DigestOf(governing.MonitoringPlan!))
                check.Fail(
                    "plan",
                    $"differs from the monitoring plan signed with approval {governing.Id}, which governs '{command.Environment}': "
                        + "omit it (the signed plan applies) or send that plan"
                );
        }
        else if (stated is null)
            check.Fail(
                "plan",
                $"is required: no granted approval of {version.ModelId} {version.Version} in '{command.Environment}' carries a "
                    + "signed monitoring plan, so the report must state the plan its verdicts are judged against"
            );
        else
            check.Sha256(stated.ReferenceDatasetDigest, "plan.referenceDatasetDigest").Computable(stated, "plan");
        if (command.Report is null)
            check.Fail("report", "is required");
        check.ThrowIfAny();
        if (context.Actor.Role != Roles.DeploymentPipeline)
            ModelStewardship.EnsureSteward(model, context.Actor, "record monitoring reports of");
        if (version.IsRetired)
            throw GovernanceRuleException.Conflict("model_version.retired", $"Version {version.Version} is retired.");
        var plan = governing?.MonitoringPlan ?? stated!;
        var report = command.Report!;
        CheckReport(plan, report, referenceFiles, context.Now, check);
        check.ThrowIfAny();
        CheckVerdicts(report, MonitoringVerdicts.Judge(plan, report), check);
        check.ThrowIfAny();
        var verdict = report.Verdict.ToString().ToLowerInvariant();
        return new MonitoringReportRecorded(
            command.ReportId,
            version.ModelId,
            version.Version,
            command.Environment!,
            plan,
            governing is null ? "stated" : $"approval:{governing.Id}",
            DigestOf(plan),
            report,
            DigestOf(report),
            context.Audit(string.IsNullOrWhiteSpace(command.Reason) ? $"Monitoring report recorded: {verdict}" : command.Reason.Trim())
        );
    }

    private static void CheckReport(
        MonitoringPlan plan,
        MonitoringReport report,
        IReadOnlyCollection<string> referenceFiles,
        DateTimeOffset now,
        InputCheck check
    )
    {
        const string r = "report";
        if (!Enum.IsDefined(report.Comparison))
            check.Fail($"{r}.comparison", $"must be one of: {string.Join(", ", Enum.GetNames<MonitoringComparison>())}");
        if (report.WindowStart >= report.WindowEnd)
            check.Fail($"{r}.windowEnd", "must be after windowStart");
        if (report.WindowEnd > now)
            check.Fail($"{r}.windowEnd", "lies in the future");
        if (report.SampleSize < 1)
            check.Fail($"{r}.sampleSize", "must be at least 1: an empty sample tests nothing");
        if (report.ReferenceRows < 1)
            check.Fail($"{r}.referenceRows", "must be at least 1");
        check.Sha256(report.ReferenceDigest, $"{r}.referenceDigest").Sha256(report.SampleDigest, $"{r}.sampleDigest");
        if (
            report.Comparison == MonitoringComparison.Drift
            && Digest.IsSha256(report.ReferenceDigest)
            && Digest.Normalize(report.ReferenceDigest) is var reference
            && reference != Digest.Normalize(plan.ReferenceDatasetDigest)
            && !referenceFiles.Any(f => Digest.Normalize(f) == reference)
        )
            check.Fail(
                $"{r}.referenceDigest",
                $"is neither the plan's reference dataset ({plan.ReferenceDatasetDigest}) nor one of its registered files"
            );
        if (report.Pins != plan.Pins)
            check.Fail($"{r}.pins", "differ from the plan's: a report is computed with the plan's pinned choices");
        if (report.Correction != plan.Correction)
            check.Fail($"{r}.correction", $"must be the plan's ({plan.Correction})");
        if (report.Features is null || report.Features.Count != plan.Features.Count)
            check.Fail($"{r}.features", $"must hold the plan's {plan.Features.Count} features, in its order");
        else
            for (var i = 0; i < plan.Features.Count; i++)
                CheckFeature(plan.Features[i], plan.Pins, report.Features[i], report, $"{r}.features[{i}]", check);
        if (report.Comparison == MonitoringComparison.Drift && report.Prediction is null)
            check.Fail($"{r}.prediction", $"is required in a drift report: the score '{plan.Prediction.Name}' (prediction drift)");
        else if (report.Comparison == MonitoringComparison.Skew && report.Prediction is not null)
            check.Fail($"{r}.prediction", "must be absent in a skew report (training data has no production scores)");
        else if (report.Prediction is not null)
            CheckFeature(plan.Prediction, plan.Pins, report.Prediction, report, $"{r}.prediction", check);
    }

    private static void CheckFeature(
        MonitoredFeature planned,
        StatisticPins pins,
        FeatureOutcome? stated,
        MonitoringReport report,
        string f,
        InputCheck check
    )
    {
        if (stated is null || stated.Name != planned.Name || stated.Kind != planned.Kind)
        {
            check.Fail(f, $"must be the plan's {planned.Kind} feature '{planned.Name}'");
            return;
        }
        if (stated.SampleValues < 1)
            check.Fail($"{f}.sampleValues", "must be at least 1: the sample has no value of this feature");
        if (stated.SampleMissing < 0 || stated.SampleValues + stated.SampleMissing != report.SampleSize)
            check.Fail($"{f}.sampleMissing", "sampleValues and sampleMissing must add up to the report's sampleSize");
        if (stated.ReferenceValues < 1 || stated.ReferenceValues > report.ReferenceRows)
            check.Fail($"{f}.referenceValues", "must be between 1 and the report's referenceRows");
        if (stated.Kind == FeatureKind.Numeric && stated.ReferenceStandardDeviation is not (>= 0 and < double.PositiveInfinity))
            check.Fail($"{f}.referenceStandardDeviation", "is required for a numeric feature: a finite number, 0 or more");
        CheckBins(stated, pins, f, check);
        if (stated.Tests is null || stated.Tests.Count != planned.Tests.Count)
        {
            check.Fail($"{f}.tests", $"must hold the plan's {planned.Tests?.Count ?? 0} tests of '{planned.Name}', in its order");
            return;
        }
        for (var j = 0; j < planned.Tests.Count; j++)
        {
            var (plan, test, t) = (planned.Tests[j], stated.Tests[j], $"{f}.tests[{j}]");
            if (
                test is null
                || test.Statistic != plan.Statistic
                || test.Threshold != plan.Threshold
                || test.WatchThreshold != plan.WatchThreshold
            )
            {
                check.Fail(t, $"must be the plan's {plan.Statistic} test with its threshold {plan.Threshold} and watch level");
                continue;
            }
            var (low, high) = test.Statistic switch
            {
                DriftStatistic.KolmogorovSmirnov or DriftStatistic.JensenShannon => (0.0, 1.0),
                _ => (0.0, double.MaxValue),
            };
            if (!(test.Value >= low && test.Value <= high))
                check.Fail($"{t}.value", $"must be a finite number in [{low}, {(high == 1 ? "1" : "inf")})");
            var pTest = MonitoringVerdicts.IsPValueTest(test.Statistic);
            if (pTest && test.PValue is not (>= 0 and <= 1))
                check.Fail($"{t}.pValue", "is required for a p-value test: a number in [0, 1]");
            if (!pTest && (test.PValue is not null || test.AdjustedPValue is not null))
                check.Fail($"{t}.pValue", $"must be absent: {test.Statistic} is judged by its size, not a p-value");
        }
    }

    private static void CheckBins(FeatureOutcome stated, StatisticPins pins, string f, InputCheck check)
    {
        var bins = stated.Bins;
        var b = $"{f}.bins";
        if (bins?.Edges is null || bins.ReferenceCounts is null || bins.SampleCounts is null)
        {
            check.Fail(b, "are required: edges (numeric) or categories, and the reference's and sample's count per bin");
            return;
        }
        var count = stated.Kind == FeatureKind.Numeric ? bins.Edges.Count + 1 : bins.Categories?.Count ?? 0;
        if (stated.Kind == FeatureKind.Numeric)
        {
            if (bins.Edges.Count > pins.PsiBins - 1)
                check.Fail($"{b}.edges", $"must be at most {pins.PsiBins - 1} interior edges ({pins.PsiBins} quantile bins)");
            for (var i = 0; i < bins.Edges.Count; i++)
                if (!double.IsFinite(bins.Edges[i]) || (i > 0 && bins.Edges[i] <= bins.Edges[i - 1]))
                    check.Fail($"{b}.edges", "must be finite, ascending and distinct");
            if (bins.Categories is not null)
                check.Fail($"{b}.categories", "must be absent for a numeric feature");
        }
        else if (bins.Categories is null || bins.Categories.Count == 0 || bins.Categories.Distinct().Count() != bins.Categories.Count)
            check.Fail($"{b}.categories", "must list the distinct categories compared");
        if (bins.ReferenceCounts.Count != count || bins.SampleCounts.Count != count)
            check.Fail(b, $"must give a reference and a sample count for each of the {count} bins");
        else
        {
            if (bins.ReferenceCounts.Any(c => c < 0) || bins.ReferenceCounts.Sum() != stated.ReferenceValues)
                check.Fail($"{b}.referenceCounts", "must be non-negative and add up to referenceValues");
            if (bins.SampleCounts.Any(c => c < 0) || bins.SampleCounts.Sum() != stated.SampleValues)
                check.Fail($"{b}.sampleCounts", "must be non-negative and add up to sampleValues");
        }
    }

    private static void CheckVerdicts(MonitoringReport stated, MonitoringReport judged, InputCheck check)
    {
        void Feature(FeatureOutcome s, FeatureOutcome j, string f)
        {
            for (var k = 0; k < s.Tests.Count; k++)
            {
                var (st, jt) = (s.Tests[k], j.Tests[k]);
                if (jt.AdjustedPValue is { } adjusted && !(st.AdjustedPValue is { } given && Close(given, adjusted)))
                    check.Fail(
                        $"{f}.tests[{k}].adjustedPValue",
                        $"does not follow from the p-values and the plan's correction ({adjusted:R})"
                    );
                if (st.Verdict != jt.Verdict)
                    check.Fail($"{f}.tests[{k}].verdict", Says(st.Verdict, jt.Verdict, $"{st.Statistic} {st.Value:R}", st.Threshold));
            }
            if (s.Verdict != j.Verdict)
                check.Fail($"{f}.verdict", $"says {Name(s.Verdict)}, but its tests' worst verdict is {Name(j.Verdict)}");
        }
        for (var i = 0; i < stated.Features.Count; i++)
            Feature(stated.Features[i], judged.Features[i], $"report.features[{i}]");
        if (stated.Prediction is not null)
            Feature(stated.Prediction, judged.Prediction!, "report.prediction");
        if (!Close(stated.DriftedShare, judged.DriftedShare))
            check.Fail("report.driftedShare", $"must be {judged.DriftedShare:R}: the share of features drifting on a distance statistic");
        if (stated.DatasetDrift != judged.DatasetDrift)
            check.Fail(
                "report.datasetDrift",
                $"must be {judged.DatasetDrift.ToString().ToLowerInvariant()} at the plan's dataset drift share"
            );
        if (stated.Verdict != judged.Verdict)
            check.Fail(
                "report.verdict",
                $"says {Name(stated.Verdict)}, but the statistics and the plan's thresholds give {Name(judged.Verdict)}"
            );
    }

    private static string Says(MonitoringVerdict stated, MonitoringVerdict judged, string what, double threshold) =>
        $"says {Name(stated)}, but {what} against the threshold {threshold:R} is {Name(judged)}";

    private static string Name(MonitoringVerdict verdict) => verdict.ToString().ToLowerInvariant();

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(b));
}
