using System.Text.Json;
using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;

namespace Governance.Ledger.Approvals;

/// <summary>
/// Maps a granted approval to the in-toto statement that is signed: its subject is the artifact's digest (a model
/// directory's manifest digest), and for a model directory the predicate lists its files. The predicate (version 3) carries
/// the decision policy and the monitoring plan the officers signed, when the approval covers them; the plan in the ledger's
/// JSON (<see cref="LedgerJson"/>: camelCase, enums by name).
/// </summary>
public static class ApprovalStatement
{
    public static Statement For(ModelVersion version, Approval approval, ModelVersionApproved approved, long approvedEventStreamVersion)
    {
        var validation = version.Validation ?? throw new InvalidOperationException("An approved version always has a validation outcome.");
        return new Statement(
            Statement.TypeV1,
            [new Subject(version.ArtifactUri, new Dictionary<string, string> { ["sha256"] = approval.ArtifactDigest[7..] })],
            ModelApprovalPredicate.Type,
            new ModelApprovalPredicate(
                approval.Id,
                version.ModelId,
                version.Version,
                approval.Environment,
                version.RiskTier.ToString(),
                approval.IntendedUse,
                approved.Approvers.Select(a => new ApproverClaim(a.Officer.SubjectId, Name: null, a.Officer.Role, a.SignedAt)).ToArray(),
                approved.Conditions,
                approved.Audit.At,
                approved.ExpiresAt,
                new ValidationClaim(
                    validation.Outcome.ToString(),
                    validation.Validator.SubjectId,
                    ValidatorName: null,
                    validation.ValidatedAt
                ),
                version.TrainingDatasetDigest,
                version.ValidationDatasetDigest,
                new LedgerReference(version.Id, approvedEventStreamVersion, "model_version_approved"),
                ArtifactFiles: version.ArtifactFiles?.Select(f => new ManifestFile(f.Path, f.Sha256, f.SizeBytes)).ToArray(),
                DecisionPolicy: approval.DecisionPolicy is { } policy
                    ? new DecisionPolicyClaim(
                        policy.Thresholds,
                        policy.Costs is { } c ? new CostClaim(c.TruePositive, c.FalsePositive, c.FalseNegative, c.TrueNegative) : null,
                        policy.CalibrationMethod
                    )
                    : null,
                MonitoringPlan: approval.MonitoringPlan is { } plan ? JsonSerializer.SerializeToElement(plan, LedgerJson.Options) : null
            )
        );
    }
}
