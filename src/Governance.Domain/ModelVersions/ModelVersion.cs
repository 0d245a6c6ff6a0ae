using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Evidence;
using Governance.Domain.Models;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Domain.ModelVersions;

/// <summary>Where a version stands in its lifecycle: the step of its latest lifecycle event.</summary>
public enum ModelVersionStatus
{
    Registered,
    ValidationSubmitted,
    Validated,
    ValidationFailed,
    ApprovalRequested,
    Approved,
    Rejected,
    Deployed,
    RolledBack,
    Revoked,
    Retired,
}

public sealed record ValidationSubmission(
    string Summary,
    string? ReportUri,
    string? ReportDigest,
    Actor SubmittedBy,
    DateTimeOffset SubmittedAt
);

/// <summary>A model server's report of a load (with the approval it named) or of a refusal (with its reason code).</summary>
public sealed record LoadReport(
    string Environment,
    string Host,
    string ArtifactDigest,
    bool Loaded,
    string? RefusalCode,
    Actor ReportedBy,
    DateTimeOffset At,
    string? ApprovalId = null
);

/// <summary>A reported load that no approval allowed (<see cref="UnapprovedLoadReported"/>), with the reasons.</summary>
public sealed record UnapprovedLoad(
    string Environment,
    string Host,
    string ArtifactDigest,
    string? ApprovalId,
    IReadOnlyList<DenialReason> Reasons,
    Actor ReportedBy,
    DateTimeOffset At
);

/// <summary>Who stopped use of a version, when and why (<see cref="ModelVersionSuspended"/>).</summary>
public sealed record Suspension(Actor By, DateTimeOffset At, string Reason);

public sealed record ValidationResult(
    ValidationOutcome Outcome,
    IReadOnlyList<ValidationFinding> Findings,
    string Opinion,
    Actor Validator,
    DateTimeOffset ValidatedAt
);

/// <summary>
/// A model version's state, evolved from its stream. Folded from every event it is the version's record (the API's answer,
/// the review file, evidence packs); the stored inline document that commands decide on is that fold kept
/// <see cref="Bounded"/>, so that a command's cost does not grow with the version's deployments and load reports.
/// </summary>
public sealed record ModelVersion
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string ArtifactUri { get; init; }

    /// <summary>The file's SHA-256, or for a model directory the manifest digest of <see cref="ArtifactFiles"/>.</summary>
    public required string ArtifactDigest { get; init; }

    /// <summary>The file's size in bytes, or the sum of the directory's file sizes.</summary>
    public required long ArtifactSizeBytes { get; init; }

    /// <summary>The files of a model directory (path, SHA-256, size); null for a one-file artifact.</summary>
    public IReadOnlyList<ArtifactFile>? ArtifactFiles { get; init; }
    public required ArtifactFormat Format { get; init; }
    public required string TrainingDatasetDigest { get; init; }
    public required string ValidationDatasetDigest { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    public required string CodeCommit { get; init; }
    public required IReadOnlyDictionary<string, string> Hyperparameters { get; init; }

    /// <summary>The model's risk tier when this version was registered; it sets how many approvals are required.</summary>
    public required RiskTier RiskTier { get; init; }
    public required string ModelOwnerId { get; init; }
    public required Actor RegisteredBy { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
    public required ModelVersionStatus Status { get; init; }
    public DateTimeOffset LastChangedAt { get; init; }
    public ValidationSubmission? ValidationSubmission { get; init; }
    public ValidationResult? Validation { get; init; }
    public IReadOnlyList<Approval> Approvals { get; init; } = [];

    /// <summary>Every deployment of this version, in the order recorded, ended ones with their end; only the live ones in a
    /// <see cref="Bounded"/> state.</summary>
    public IReadOnlyList<Deployment> Deployments { get; init; } = [];
    public IReadOnlyList<RefusedDeployment> RefusedDeployments { get; init; } = [];

    /// <summary>What model servers reported when they loaded, or refused to load, this version, in the order reported; in a
    /// <see cref="Bounded"/> state only each host's last report in each environment.</summary>
    public IReadOnlyList<LoadReport> Loads { get; init; } = [];

    /// <summary>Loads reported that no approval allowed (<see cref="UnapprovedLoadReported"/>), as evidence.</summary>
    public IReadOnlyList<UnapprovedLoad> UnapprovedLoads { get; init; } = [];
    public DateTimeOffset? RetiredAt { get; init; }

    /// <summary>Set while use of the version is suspended; null otherwise.</summary>
    public Suspension? Suspension { get; init; }

    /// <summary>Explainability and validation evidence recorded on this version (<see cref="EvidenceReportRecorded"/>).</summary>
    public IReadOnlyList<RecordedEvidence> Evidence { get; init; } = [];

    /// <summary>EU declarations of conformity signed for this version (<see cref="DeclarationOfConformitySigned"/>); the last is
    /// in force, earlier ones stay on record.</summary>
    public IReadOnlyList<DeclarationOfConformity> Declarations { get; init; } = [];

    public bool IsRetired => RetiredAt is not null;

    /// <summary>Environments where this version is live: deployed and not rolled back since.</summary>
    public IReadOnlyList<string> LiveEnvironments => Deployment.LiveEnvironments(Deployments);

    public static string StreamKey(string modelId, string version) => $"{modelId}@{version}";

    /// <summary>
    /// This state without the history no decision reads: of <see cref="Deployments"/> only the live ones (what
    /// <see cref="LiveEnvironments"/>, a rollback and a new deployment turn on), of <see cref="Loads"/> only each host's last
    /// report per environment (what a re-verification and the serving hosts turn on), in their order. Refused deployments and
    /// unapproved loads are kept whole: they are the dashboard's evidence and grow only with refusals. Bounding commutes with
    /// <see cref="Evolve"/>: evolving a bounded state gives the bound of evolving the whole.
    /// </summary>
    public ModelVersion Bounded()
    {
        var lastOfHost = Loads.Select((l, i) => (l, i)).GroupBy(x => (x.l.Environment, x.l.Host)).Select(g => g.Last().i).ToHashSet();
        return this with
        {
            Deployments = Deployments.Where(d => d.RolledBackAt is null).ToArray(),
            Loads = Loads.Where((_, i) => lastOfHost.Contains(i)).ToArray(),
        };
    }

    public Approval? FindApproval(string approvalId) => Approvals.FirstOrDefault(a => a.Id == approvalId);

    public static ModelVersion? Evolve(ModelVersion? state, object @event)
    {
        if (@event is ModelVersionRegistered r)
            return new ModelVersion
            {
                Id = StreamKey(r.ModelId, r.Version),
                ModelId = r.ModelId,
                Version = r.Version,
                ArtifactUri = r.ArtifactUri,
                ArtifactDigest = r.ArtifactDigest,
                ArtifactSizeBytes = r.ArtifactSizeBytes,
                ArtifactFiles = r.ArtifactFiles,
                Format = r.Format,
                TrainingDatasetDigest = r.TrainingDatasetDigest,
                ValidationDatasetDigest = r.ValidationDatasetDigest,
                Metrics = r.Metrics,
                CodeCommit = r.CodeCommit,
                Hyperparameters = r.Hyperparameters,
                RiskTier = r.RiskTier,
                ModelOwnerId = r.ModelOwnerId,
                RegisteredBy = r.Audit.Actor,
                RegisteredAt = r.Audit.At,
                Status = ModelVersionStatus.Registered,
                LastChangedAt = r.Audit.At,
            };
        if (state is null || @event is not IModelVersionEvent e)
            return state;

        state = state with { Status = StatusAfter(state.Status, e), LastChangedAt = e.Audit.At };
        return e switch
        {
            SubmittedForValidation s => state with
            {
                ValidationSubmission = new ValidationSubmission(s.Summary, s.ReportUri, s.ReportDigest, s.Audit.Actor, s.Audit.At),
                Validation = null,
            },
            ValidationCompleted v => state with
            {
                Validation = new ValidationResult(v.Outcome, v.Findings, v.Audit.Reason, v.Audit.Actor, v.Audit.At),
            },
            ApprovalRequested a => state with { Approvals = [.. state.Approvals, Approval.Evolve(null, a)!] },
            // Revalidation required: the validation outcome is set aside, so no approval can be requested until validated anew.
            BreachReviewResolved { Resolution: BreachResolution.RevalidationRequired } => state with
            {
                Validation = null,
                Approvals = state.Approvals.Select(a => a.Id == ApprovalIdOf(e) ? Approval.Evolve(a, e)! : a).ToArray(),
            },
            ApprovalSignedOff
            or ModelVersionApproved
            or ApprovalRejected
            or ApprovalRevoked
            or ApprovalAttested
            or MonitoringBreachRecorded
            or BreachReviewResolved => state with
            {
                Approvals = state.Approvals.Select(a => a.Id == ApprovalIdOf(e) ? Approval.Evolve(a, e)! : a).ToArray(),
            },
            ModelVersionDeployed or DeploymentRolledBack or DeploymentReplaced or ModelVersionRestored => state with
            {
                Deployments = Deployment.Evolve(state.Deployments, e),
            },
            DeploymentRefused d => state with
            {
                RefusedDeployments =
                [
                    .. state.RefusedDeployments,
                    new RefusedDeployment(d.Environment, d.PipelineRunId, d.ArtifactDigest, d.Reasons, d.Audit.Actor, d.Audit.At),
                ],
            },
            ModelVersionRetired t => state with { RetiredAt = t.Audit.At },
            ModelVersionSuspended s => state with
            {
                Suspension = new Suspension(s.Audit.Actor, s.Audit.At, s.Audit.Reason),
                Approvals = state.Approvals.Select(a => Approval.Evolve(a, s)!).ToArray(),
            },
            ModelVersionSuspensionLifted l => state with
            {
                Suspension = null,
                Approvals = state.Approvals.Select(a => Approval.Evolve(a, l)!).ToArray(),
            },
            EvidenceReportRecorded ev => state with
            {
                Evidence =
                [
                    .. state.Evidence,
                    new RecordedEvidence(
                        ev.ReportId,
                        ev.DatasetName,
                        ev.DatasetVersion,
                        ev.DatasetManifestDigest,
                        ev.Report,
                        ev.Audit.Actor,
                        ev.Audit.At
                    ),
                ],
            },
            ModelLoaded l => state with
            {
                Loads =
                [
                    .. state.Loads,
                    new LoadReport(l.Environment, l.Host, l.ArtifactDigest, true, null, l.Audit.Actor, l.Audit.At, l.ApprovalId),
                ],
            },
            UnapprovedLoadReported u => state with
            {
                UnapprovedLoads =
                [
                    .. state.UnapprovedLoads,
                    new UnapprovedLoad(u.Environment, u.Host, u.ArtifactDigest, u.ApprovalId, u.Reasons, u.Audit.Actor, u.Audit.At),
                ],
            },
            DeclarationOfConformitySigned d => state with { Declarations = [.. state.Declarations, DeclarationOfConformity.From(d)] },
            ModelLoadRefused l => state with
            {
                Loads =
                [
                    .. state.Loads,
                    new LoadReport(l.Environment, l.Host, l.ArtifactDigest, false, l.ReasonCode, l.Audit.Actor, l.Audit.At),
                ],
            },
            _ => state,
        };
    }

    /// <summary>The lifecycle step after an event; shared by this state and the inventory so both always agree.</summary>
    public static ModelVersionStatus StatusAfter(ModelVersionStatus current, IModelVersionEvent e) =>
        e switch
        {
            ModelVersionRegistered => ModelVersionStatus.Registered,
            SubmittedForValidation => ModelVersionStatus.ValidationSubmitted,
            ValidationCompleted { Outcome: ValidationOutcome.Failed } => ModelVersionStatus.ValidationFailed,
            ValidationCompleted => ModelVersionStatus.Validated,
            ApprovalRequested => ModelVersionStatus.ApprovalRequested,
            ModelVersionApproved => ModelVersionStatus.Approved,
            ApprovalRejected => ModelVersionStatus.Rejected,
            ApprovalRevoked => ModelVersionStatus.Revoked,
            ModelVersionDeployed or ModelVersionRestored => ModelVersionStatus.Deployed,
            DeploymentRolledBack => ModelVersionStatus.RolledBack,
            ModelVersionRetired => ModelVersionStatus.Retired,
            // a sign-off short of the required count, an attestation, a refused deployment, a load report or a replacement by another
            // version (the slot's history says so; the version no longer lists the environment as live) does not move the lifecycle
            _ => current,
        };

    internal static string? ApprovalIdOf(IModelVersionEvent e) =>
        e switch
        {
            ApprovalRequested a => a.ApprovalId,
            ApprovalSignedOff s => s.ApprovalId,
            ModelVersionApproved a => a.ApprovalId,
            ApprovalRejected r => r.ApprovalId,
            ApprovalRevoked r => r.ApprovalId,
            ApprovalAttested a => a.ApprovalId,
            MonitoringBreachRecorded b => b.ApprovalId,
            BreachReviewResolved r => r.ApprovalId,
            _ => null,
        };

    internal void EnsureNotRetired()
    {
        if (IsRetired)
            throw GovernanceRuleException.Conflict("model_version.retired", $"Model version {ModelId} {Version} is retired.");
    }

    internal void EnsureNotSuspended()
    {
        if (Suspension is { } s)
            throw GovernanceRuleException.Conflict(
                "model_version.suspended",
                $"Use of model version {ModelId} {Version} is suspended since {s.At:u}: {s.Reason}"
            );
    }
}
