using System.Text.Json.Serialization;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Domain.ModelVersions;

/// <summary>Every event in a model version's stream names the model and version it is about, so each reads on its own in an audit
/// trail.</summary>
public interface IModelVersionEvent : ILedgerEvent
{
    string ModelId { get; }
    string Version { get; }
}

public enum ArtifactFormat
{
    MlNetZip,
    Onnx,
    Other,
}

/// <summary>
/// One file of a multi-file model artifact (a model directory: an ONNX graph with its tokenizer and config, a LightGBM
/// model with its feature map): its path relative to the directory, SHA-256 and size (<see cref="IListedFile"/>).
/// </summary>
public sealed record ArtifactFile(string Path, string Sha256, long SizeBytes) : IListedFile;

/// <summary>A model version was registered, binding its artifact by digest, its datasets by manifest digest, and its facts.</summary>
/// <param name="ArtifactDigest">
/// The artifact's SHA-256 (<c>sha256:</c> and 64 lower-case hex): of the file's bytes for a one-file artifact, or the
/// manifest digest of <paramref name="ArtifactFiles"/> for a model directory.
/// </param>
/// <param name="ArtifactSizeBytes">The file's size in bytes, or the sum of the directory's file sizes.</param>
/// <param name="ArtifactFiles">
/// The files of a model directory, as registered (digests lower-cased); null for a one-file artifact, and in events stored
/// before model directories could be registered (which carry no such field).
/// </param>
public sealed record ModelVersionRegistered(
    string ModelId,
    string Version,
    string ArtifactUri,
    string ArtifactDigest,
    long ArtifactSizeBytes,
    ArtifactFormat Format,
    string TrainingDatasetDigest,
    string ValidationDatasetDigest,
    IReadOnlyDictionary<string, double> Metrics,
    string CodeCommit,
    IReadOnlyDictionary<string, string> Hyperparameters,
    RiskTier RiskTier,
    string ModelOwnerId,
    Audit Audit,
    // Left out when null, so a one-file registration is stored (and its payload digest taken) exactly as before directories.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ArtifactFile>? ArtifactFiles = null
) : IModelVersionEvent;

public sealed record SubmittedForValidation(
    string ModelId,
    string Version,
    string Summary,
    string? ReportUri,
    string? ReportDigest,
    Audit Audit
) : IModelVersionEvent;

public sealed record ValidationCompleted(
    string ModelId,
    string Version,
    ValidationOutcome Outcome,
    IReadOnlyList<ValidationFinding> Findings,
    Audit Audit
) : IModelVersionEvent;

/// <summary>The owner asked for approval to use this version's artifact in one environment.</summary>
/// <param name="MonitoringPlan">The post-market monitoring plan the approval covers; null when none was stated, and in events
/// stored before plans could be stated (left out when null, so those are stored and digested exactly as before).</param>
/// <param name="DecisionPolicy">The decision policy (thresholds, costs, calibration) the approval covers; null likewise.</param>
public sealed record ApprovalRequested(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string IntendedUse,
    string ArtifactDigest,
    int RequiredApprovals,
    Audit Audit,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MonitoringPlan? MonitoringPlan = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DecisionPolicy? DecisionPolicy = null
) : IModelVersionEvent;

/// <summary>One risk officer's sign-off; the reason in <see cref="Audit"/> is their rationale.</summary>
public sealed record ApprovalSignedOff(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ArtifactDigest,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ExpiresAt,
    Audit Audit
) : IModelVersionEvent;

/// <summary>All required sign-offs are present: the approval now allows deploying this digest to this environment until it
/// expires.</summary>
public sealed record ModelVersionApproved(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ArtifactDigest,
    IReadOnlyList<Approver> Approvers,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ExpiresAt,
    Audit Audit
) : IModelVersionEvent;

public sealed record ApprovalRejected(string ModelId, string Version, string ApprovalId, string Environment, Audit Audit)
    : IModelVersionEvent;

public sealed record ApprovalRevoked(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ArtifactDigest,
    Audit Audit
) : IModelVersionEvent;

public sealed record ModelVersionDeployed(
    string ModelId,
    string Version,
    string Environment,
    string PipelineRunId,
    string ArtifactDigest,
    string ApprovalId,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A deployment attempt the ledger refused; recorded so that attempts to bypass the control are visible.</summary>
public sealed record DeploymentRefused(
    string ModelId,
    string Version,
    string Environment,
    string PipelineRunId,
    string ArtifactDigest,
    IReadOnlyList<DenialReason> Reasons,
    Audit Audit
) : IModelVersionEvent;

public sealed record DeploymentRolledBack(string ModelId, string Version, string Environment, string PipelineRunId, Audit Audit)
    : IModelVersionEvent;

/// <summary>This version's live deployment in <paramref name="Environment"/> was replaced by <paramref name="ByVersion"/>'s
/// (deployment <paramref name="ByDeploymentId"/>): recorded on the replaced version's stream, with the slot's completion.</summary>
public sealed record DeploymentReplaced(
    string ModelId,
    string Version,
    string Environment,
    string ByVersion,
    string ByDeploymentId,
    Audit Audit
) : IModelVersionEvent;

/// <summary>
/// A rollback made this version live again in <paramref name="Environment"/> (the slot's <see cref="LiveVersionRolledBack"/>),
/// under <paramref name="ApprovalId"/>, or without one as an emergency rollback (<paramref name="Emergency"/>).
/// </summary>
public sealed record ModelVersionRestored(
    string ModelId,
    string Version,
    string Environment,
    string PipelineRunId,
    string ArtifactDigest,
    string DeploymentId,
    string? ApprovalId,
    bool Emergency,
    Audit Audit
) : IModelVersionEvent;

public sealed record ModelVersionRetired(string ModelId, string Version, Audit Audit) : IModelVersionEvent;

/// <summary>
/// Use of the version was stopped at once, by its owner or a delegate (the first line's own action) or by a risk officer:
/// every approval it held is suspended, so the approval check, deployments and model servers refuse it until lifted.
/// </summary>
/// <param name="ApprovalIds">The granted approvals suspended by this event.</param>
public sealed record ModelVersionSuspended(string ModelId, string Version, IReadOnlyList<string> ApprovalIds, Audit Audit)
    : IModelVersionEvent;

/// <summary>A suspension was lifted: the approvals it suspended stand again (unless revoked or expired meanwhile).</summary>
public sealed record ModelVersionSuspensionLifted(string ModelId, string Version, IReadOnlyList<string> ApprovalIds, Audit Audit)
    : IModelVersionEvent;

/// <summary>
/// The signed attestation issued when an approval was granted: a DSSE envelope over an in-toto statement, and its digest.
/// Kept whole in the ledger because an ECDSA signature cannot be re-derived; the digest lets anyone re-verify a copy.
/// </summary>
public sealed record ApprovalAttested(
    string ModelId,
    string Version,
    string ApprovalId,
    string Environment,
    string ArtifactDigest,
    string AttestationDigest,
    string KeyId,
    string Envelope,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A model server loaded this artifact after verifying its attestation.</summary>
public sealed record ModelLoaded(
    string ModelId,
    string Version,
    string Environment,
    string Host,
    string ArtifactDigest,
    string? ApprovalId,
    Audit Audit
) : IModelVersionEvent;

/// <summary>
/// A model server reported loading an artifact that no approval allowed there at that time (or under another approval
/// than the one that does): recorded as evidence, never as a load, with the reasons; the server is answered 409.
/// </summary>
public sealed record UnapprovedLoadReported(
    string ModelId,
    string Version,
    string Environment,
    string Host,
    string ArtifactDigest,
    string? ApprovalId,
    IReadOnlyList<Deployments.DenialReason> Reasons,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A model server refused to load an artifact; the reason code says which check failed.</summary>
public sealed record ModelLoadRefused(
    string ModelId,
    string Version,
    string Environment,
    string Host,
    string ArtifactDigest,
    string ReasonCode,
    Audit Audit
) : IModelVersionEvent;
