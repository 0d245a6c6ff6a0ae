using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Evidence;

/// <summary>A validator records explainability and validation evidence computed for a model version.</summary>
public sealed record RecordEvidenceReport(EvidenceReport? Report, string? Reason);

/// <summary>
/// Evidence was recorded on a model version: the report as computed, and the registered dataset whose file it was computed on.
/// </summary>
/// <param name="ReportId"><c>EV-1</c>, <c>EV-2</c>, … in the order recorded on the version.</param>
public sealed record EvidenceReportRecorded(
    string ModelId,
    string Version,
    string ReportId,
    string DatasetName,
    string DatasetVersion,
    string DatasetManifestDigest,
    EvidenceReport Report,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A recorded report as the version's state holds it.</summary>
public sealed record RecordedEvidence(
    string ReportId,
    string DatasetName,
    string DatasetVersion,
    string DatasetManifestDigest,
    EvidenceReport Report,
    Actor RecordedBy,
    DateTimeOffset RecordedAt
);

public static class RecordEvidenceReportDecision
{
    /// <summary>
    /// Records the report when it is well formed and compact (<see cref="EvidenceLimits"/>), was computed from this version's
    /// artifact, on a file of a registered dataset, with metrics on training data labelled in-sample, by someone independent
    /// of the model (neither its owner, a delegate nor whoever registered the version).
    /// </summary>
    /// <param name="dataset">The registered dataset holding a file with the report's dataset file digest, if any.</param>
    /// <exception cref="GovernanceRuleException">
    /// Invalid fields (each named, e.g. <c>report.artifactDigest</c>); conflict (retired version); forbidden (not independent).
    /// </exception>
    public static EvidenceReportRecorded Decide(
        RecordEvidenceReport command,
        Model model,
        ModelVersion version,
        Dataset? dataset,
        CommandContext context
    )
    {
        var check = new InputCheck().Optional(command.Reason, "reason", 2000, multiline: true);
        var report = command.Report;
        if (report is null)
        {
            check.Fail("report", "is required");
            check.ThrowIfAny();
        }
        CheckReport(report!, check);
        if (check.Passes && Digest.Normalize(report!.ArtifactDigest) != Digest.Normalize(version.ArtifactDigest))
            check.Fail("report.artifactDigest", $"is not this version's artifact digest ({version.ArtifactDigest})");
        if (check.Passes && dataset is null)
            check.Fail("report.datasetFileDigest", "is not a file of any registered dataset; register the dataset first");
        check.ThrowIfAny();

        version.EnsureNotRetired();
        if (
            context.Actor.SubjectId == version.ModelOwnerId
            || model.IsSteward(context.Actor.SubjectId)
            || context.Actor.SubjectId == version.RegisteredBy.SubjectId
        )
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.evidence_by_model_owner",
                "Validation evidence must be independent: neither the model owner, a delegate nor whoever registered the version "
                    + "can record it."
            );
        var normalized = report! with
        {
            ArtifactDigest = Digest.Normalize(report.ArtifactDigest),
            DatasetFileDigest = Digest.Normalize(report.DatasetFileDigest),
        };
        return new EvidenceReportRecorded(
            version.ModelId,
            version.Version,
            $"EV-{version.Evidence.Count + 1}",
            dataset!.Name,
            dataset.Version,
            dataset.ManifestDigest,
            normalized,
            context.Audit(command.Reason ?? $"Evidence on {dataset.Name} {dataset.Version} ({report.DatasetRole})")
        );
    }

    private static void CheckReport(EvidenceReport r, InputCheck check)
    {
        if (r.Kind != EvidenceLimits.Kind)
            check.Fail("report.kind", $"must be '{EvidenceLimits.Kind}'");
        check.Sha256(r.ArtifactDigest, "report.artifactDigest").Sha256(r.DatasetFileDigest, "report.datasetFileDigest");
        check.Required(r.ModelFormat, "report.modelFormat", 100).Required(r.Build, "report.build", 1000);
        check.Defined(r.DatasetRole, "report.datasetRole");
        if (r.DatasetRole is { } role && r.InSample != (role == DatasetRole.Training))
            check.Fail(
                "report.inSample",
                "must be true exactly when the dataset role is Training (metrics on training data are in-sample)"
            );
        if (r.RowCount <= 0)
            check.Fail("report.rowCount", "must be positive");
        if (!double.IsFinite(r.Tolerance) || r.Tolerance < 0)
            check.Fail("report.tolerance", "must be a non-negative number");
        if (r.Settings is null)
            check.Fail("report.settings", "is required");
        else
        {
            check.MaxItems(r.Settings.Keys.ToArray(), "report.settings", EvidenceLimits.MaxSettings);
            foreach (var (key, value) in r.Settings)
            {
                check.Required(key, "report.settings", 100);
                // A setting may be empty (a report that examined no protected attribute), never absent.
                if (value is null)
                    check.Fail($"report.settings.{key}", "is required (it may be empty)");
                else
                    check.Optional(value, $"report.settings.{key}", 2000);
            }
        }

        if (r.Shap is null)
            check.Fail("report.shap", "is required");
        else
        {
            check.Sha256(r.Shap.PerRowDigest, "report.shap.perRowDigest");
            Finite(check, "report.shap.additivityResidual", r.Shap.AdditivityResidual);
            Features(check, "report.shap.features", r.Shap.Features, f => f?.Feature, f => [f.MeanAbs, f.Mean]);
        }
        if (r.Importance is null)
            check.Fail("report.importance", "is required");
        else
        {
            check.Required(r.Importance.Method, "report.importance.method", 100);
            Features(check, "report.importance.features", r.Importance.Features, f => f?.Feature, f => [f.MeanDecrease, f.StandardError]);
        }

        var m = r.Metrics;
        if (m is null)
            check.Fail("report.metrics", "is required");
        else
        {
            if (m.Rows != r.RowCount)
                check.Fail("report.metrics.rows", "must equal report.rowCount");
            Finite(check, "report.metrics.rocAuc", m.RocAuc, 0, 1);
            Finite(check, "report.metrics.averagePrecision", m.AveragePrecision, 0, 1);
            Finite(check, "report.metrics.brier", m.Brier, 0, 1);
            Finite(check, "report.metrics.logLoss", m.LogLoss, 0, double.MaxValue);
            Curve(check, "report.metrics.roc", m.Roc);
            Curve(check, "report.metrics.precisionRecall", m.PrecisionRecall);
            if (m.Calibration is null)
                check.Fail("report.metrics.calibration", "is required");
            else
                check.MaxItems(m.Calibration.Bins, "report.metrics.calibration.bins", EvidenceLimits.MaxCurvePoints);
            if (m.Threshold is null)
                check.Fail("report.metrics.threshold", "is required");
            else
                check.MaxItems(m.Threshold.Curve, "report.metrics.threshold.curve", EvidenceLimits.MaxCurvePoints);
        }

        if (r.Bias is null)
            check.Fail("report.bias", "is required");
        else
        {
            check.MaxItems(r.Bias, "report.bias", EvidenceLimits.MaxBiasGroups);
            for (var i = 0; i < r.Bias.Count; i++)
            {
                var b = r.Bias[i];
                if (b is null)
                    check.Fail($"report.bias[{i}]", "is required");
                else
                    check
                        .Required(b.Attribute, $"report.bias[{i}].attribute", 100)
                        .MaxItems(b.Groups, $"report.bias[{i}].groups", EvidenceLimits.MaxBiasGroups);
            }
        }
    }

    private static void Features<T>(
        InputCheck check,
        string field,
        IReadOnlyList<T>? features,
        Func<T?, string?> name,
        Func<T, double[]> values
    )
    {
        if (features is null)
        {
            check.Fail(field, "is required");
            return;
        }
        check.MaxItems(features, field, EvidenceLimits.MaxFeatures);
        for (var i = 0; i < features.Count && i < EvidenceLimits.MaxFeatures; i++)
        {
            check.Required(name(features[i]), $"{field}[{i}].feature", 200);
            if (features[i] is { } f && values(f).Any(v => !double.IsFinite(v)))
                check.Fail($"{field}[{i}]", "values must be finite numbers");
        }
    }

    private static void Curve(InputCheck check, string field, IReadOnlyList<CurvePoint>? points)
    {
        if (points is null)
            check.Fail(field, "is required");
        else
            check.MaxItems(points, field, EvidenceLimits.MaxCurvePoints);
    }

    private static void Finite(InputCheck check, string field, double value, double min = 0, double max = double.MaxValue)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            check.Fail(field, $"must be a number from {min} to {(max == double.MaxValue ? "any" : max)}");
    }
}
