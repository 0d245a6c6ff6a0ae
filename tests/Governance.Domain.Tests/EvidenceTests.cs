using Governance.Domain.Evidence;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class EvidenceTests
{
    private static readonly string CsvDigest = "sha256:" + new string('e', 64);
    private static readonly string PerRowDigest = "sha256:" + new string('f', 64);

    /// <summary>A small, well-formed report computed from the version's artifact on the registered dataset's file.</summary>
    internal static EvidenceReport Report(DatasetRole role = DatasetRole.Holdout, int features = 2, int rocPoints = 3) =>
        new(
            EvidenceLimits.Kind,
            ArtifactDigest.ToUpperInvariant().Replace("SHA256:", "sha256:"),
            "xgboost-json",
            CsvDigest,
            role,
            role == DatasetRole.Training,
            4,
            new Dictionary<string, string> { ["label"] = "Class", ["positive"] = "Bad" },
            7,
            "Governance.Explainability 1.0.0; .NET 10; linux-x64",
            1e-9,
            new ShapSummary(
                -0.8,
                2e-16,
                Enumerable.Range(0, features).Select(i => new FeatureShap($"f{i}", 0.1, 0.01)).ToArray(),
                PerRowDigest
            ),
            new PermutationImportanceSummary("permutation", 5, [new FeatureImportanceValue("f0", 0.05, 0.01)]),
            new ValidationMetrics(
                4,
                2,
                0.75,
                0.83,
                0.5,
                0.5,
                0.195,
                0.6,
                Enumerable.Range(0, rocPoints).Select(i => new CurvePoint(i / (double)rocPoints, i / (double)rocPoints, 1)).ToArray(),
                [new CurvePoint(0.5, 1, 0.9)],
                new CalibrationSummary([new ReliabilityBin(0, 0.1, 1, 0.05, 0)], 0.2, 1.1, -0.1),
                new ThresholdAnalysis(1, 5, [new ThresholdCost(0.21, 0.25)], 0.21, 0.25, new Confusion(2, 1, 1, 0), 0.25)
            ),
            [
                new BiasAttribute(
                    "sex",
                    "sex=female:F1,F2",
                    "other",
                    [new GroupOutcome("female", 4, 0.5, 0.5, 0.5, 0.33, 0.1, 0.6, 0, -0.2, 0.2, true)]
                ),
            ]
        );

    private static ModelVersion Version() => Given(VersionRegistered(registeredBy: Developer, owner: Owner));

    [Fact]
    public void An_independent_validator_records_a_report_on_a_registered_datasets_file()
    {
        var dataset = DatasetWithDigest(TrainingDigest);
        var command = new RecordEvidenceReport(Report(), null);
        var expected = new EvidenceReportRecorded(
            ModelId,
            VersionLabel,
            "EV-1",
            "x",
            "1",
            TrainingDigest,
            Report() with
            {
                ArtifactDigest = ArtifactDigest,
            },
            new Audit(Validator, Day(2), "Evidence on x 1 (Holdout)", CorrelationId)
        );

        VersionSpec
            .Given(VersionRegistered(registeredBy: Developer, owner: Owner))
            .When(v => [RecordEvidenceReportDecision.Decide(command, TheModel, v, dataset, Ctx(Validator, Day(2)))])
            .Then(expected);

        var after = Given(VersionRegistered(registeredBy: Developer, owner: Owner), expected);
        Assert.Equal("EV-1", Assert.Single(after.Evidence).ReportId);
        Assert.Equal(ModelVersionStatus.Registered, after.Status);
        Assert.Equal("EV-2", RecordEvidenceReportDecision.Decide(command, TheModel, after, dataset, Ctx(Validator, Day(3))).ReportId);
    }

    [Fact]
    public void A_report_that_examined_no_protected_attribute_is_recorded_but_a_setting_without_a_value_is_refused()
    {
        var dataset = DatasetWithDigest(TrainingDigest);
        var none = Report() with
        {
            Settings = new Dictionary<string, string>
            {
                ["label"] = "is_fraud",
                ["positive"] = "true",
                ["protected"] = "",
            },
            Bias = [],
        };
        var recorded = RecordEvidenceReportDecision.Decide(new(none, null), TheModel, Version(), dataset, Ctx(Validator));
        Assert.Equal("", recorded.Report.Settings["protected"]);

        var absent = none with { Settings = new Dictionary<string, string> { ["label"] = null! } };
        InvalidField(
            () => RecordEvidenceReportDecision.Decide(new(absent, null), TheModel, Version(), dataset, Ctx(Validator)),
            "report.settings.label"
        );
    }

    [Fact]
    public void A_report_on_another_artifact_is_refused_naming_the_field()
    {
        var report = Report() with { ArtifactDigest = OtherDigest };
        InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(report, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            "report.artifactDigest"
        );
    }

    [Fact]
    public void A_report_on_a_file_of_no_registered_dataset_is_refused()
    {
        InvalidField(
            () => RecordEvidenceReportDecision.Decide(new(Report(), null), TheModel, Version(), null, Ctx(Validator)),
            "report.datasetFileDigest"
        );
    }

    [Fact]
    public void Metrics_on_training_data_must_be_labelled_in_sample()
    {
        var report = Report(DatasetRole.Training) with { InSample = false };
        InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(report, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            "report.inSample"
        );
        var holdoutInSample = Report(DatasetRole.Holdout) with { InSample = true };
        InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(holdoutInSample, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            "report.inSample"
        );
        var missingRole = Report() with { DatasetRole = null };
        InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(missingRole, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            "report.datasetRole"
        );
    }

    [Theory]
    [InlineData(201, 3, "report.shap.features")]
    [InlineData(2, 201, "report.metrics.roc")]
    public void Reports_must_be_compact(int features, int rocPoints, string field)
    {
        var report = Report(features: features, rocPoints: rocPoints);
        InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(report, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            field
        );
    }

    [Fact]
    public void A_missing_report_and_malformed_digests_are_named()
    {
        InvalidField(() => RecordEvidenceReportDecision.Decide(new(null, null), TheModel, Version(), null, Ctx(Validator)), "report");
        var report = Report() with { Shap = Report().Shap with { PerRowDigest = "md5:abc" }, Kind = "v0" };
        var ex = InvalidField(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(report, null),
                    TheModel,
                    Version(),
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            "report.shap.perRowDigest"
        );
        Assert.Contains("report.kind", ex.FieldErrors.Keys);
    }

    [Fact]
    public void Neither_the_owner_a_delegate_nor_the_registrant_may_record_evidence_on_their_model()
    {
        foreach (var actor in new[] { Owner, Developer, Requester })
            Refused(
                () =>
                    RecordEvidenceReportDecision.Decide(
                        new(Report(), null),
                        TheModel,
                        Version(),
                        DatasetWithDigest(TrainingDigest),
                        Ctx(actor)
                    ),
                RuleKind.Forbidden,
                "segregation_of_duties.evidence_by_model_owner"
            );
    }

    [Fact]
    public void A_retired_version_takes_no_evidence()
    {
        var retired = Given(
            VersionRegistered(registeredBy: Developer, owner: Owner),
            new ModelVersionRetired(ModelId, VersionLabel, AuditOf(Owner, Day(1)))
        );
        Refused(
            () =>
                RecordEvidenceReportDecision.Decide(
                    new(Report(), null),
                    TheModel,
                    retired,
                    DatasetWithDigest(TrainingDigest),
                    Ctx(Validator)
                ),
            RuleKind.Conflict,
            "model_version.retired"
        );
    }
}
