using System.Text.Json;
using System.Text.Json.Serialization;

namespace Governance.Attestations;

/// <summary>An in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).</summary>
public sealed record Statement(
    [property: JsonPropertyName("_type")] string Type,
    [property: JsonPropertyName("subject")] IReadOnlyList<Subject> Subjects,
    [property: JsonPropertyName("predicateType")] string PredicateType,
    [property: JsonPropertyName("predicate")] ModelApprovalPredicate Predicate
)
{
    public const string TypeV1 = "https://in-toto.io/Statement/v1";
    public const string PayloadType = "application/vnd.in-toto+json";
}

public sealed record Subject(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("digest")] IReadOnlyDictionary<string, string> Digest
);

/// <summary>
/// Our predicate: this artifact was approved for this environment, by these people, until this time, after this
/// validation, trained and validated on these datasets; and the ledger event that made it so.
/// Version 3 (<see cref="Type"/>) adds the approved decision policy and post-market monitoring plan, when the approval
/// covers them. Version 2 (<see cref="TypeV2"/>) names the approvers and the validator by namespaced subject id only;
/// version 1 (<see cref="TypeV1"/>, issued by earlier releases) also carried their display names. Both still verify. A
/// signed statement is permanent, so it carries no personal name that a person's erasure would have to reach.
/// </summary>
/// <param name="IssuedAt">When this statement was signed: at the approval, or later when it was re-attested with another key.
/// It must lie in the signing key's window (<see cref="KeyWindow"/>). Statements of earlier releases lack it: their issue time
/// is <paramref name="ApprovedAt"/> (<see cref="IssueTime"/>).</param>
/// <param name="ArtifactFiles">
/// For a model directory, its files (path relative to the directory, <c>sha256:</c> digest, size in bytes), whose
/// manifest digest (<see cref="FileManifest.DigestOf"/>) is the subject's digest; a verifier names from them the file
/// that is missing, extra or changed. Null, and left out of the statement, for a one-file artifact.
/// </param>
/// <param name="DecisionPolicy">Version 3: the decision policy the risk officers approved (the score thresholds a serving
/// layer must apply, the cost matrix, the calibration method). Null, and left out, when the approval covers none.</param>
/// <param name="MonitoringPlan">Version 3: the post-market monitoring plan signed with the approval, as the ledger records it
/// (the JSON of <c>Governance.Domain.Monitoring.MonitoringPlan</c>, see docs/monitoring-plan.md). Null, and left out, when
/// none was stated.</param>
public sealed record ModelApprovalPredicate(
    string ApprovalId,
    string Model,
    string Version,
    string Environment,
    string RiskTier,
    string IntendedUse,
    IReadOnlyList<ApproverClaim> Approvers,
    IReadOnlyList<string> Conditions,
    DateTimeOffset ApprovedAt,
    DateTimeOffset ExpiresAt,
    ValidationClaim Validation,
    string TrainingDatasetDigest,
    string ValidationDatasetDigest,
    LedgerReference LedgerEvent,
    DateTimeOffset? IssuedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ManifestFile>? ArtifactFiles = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DecisionPolicyClaim? DecisionPolicy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? MonitoringPlan = null
)
{
    /// <summary>The predicate type this release signs: version 3, with the decision policy and monitoring plan.</summary>
    public const string Type = "urn:governance:predicate:model-approval:v3";

    /// <summary>The predicate type of the previous release: approvers and validator by subject id, no policy or plan.</summary>
    public const string TypeV2 = "urn:governance:predicate:model-approval:v2";

    /// <summary>The predicate type of earlier releases, with approvers' and validators' display names.</summary>
    public const string TypeV1 = "urn:governance:predicate:model-approval:v1";

    /// <summary>The predicate types a verifier accepts.</summary>
    public static readonly IReadOnlyList<string> Accepted = [Type, TypeV2, TypeV1];

    /// <summary>The time the statement was signed: <see cref="IssuedAt"/>, else <see cref="ApprovedAt"/>.</summary>
    [JsonIgnore]
    public DateTimeOffset IssueTime => IssuedAt ?? ApprovedAt;
}

/// <summary>The approved decision policy, as signed in a version 3 predicate.</summary>
/// <param name="Thresholds">Ascending score cut-offs in [0, 1]; with one, the decision is positive when the score is at or
/// above it.</param>
/// <param name="Costs">The cost matrix the thresholds were chosen under, or null.</param>
/// <param name="CalibrationMethod"><c>none</c>, <c>platt</c> or <c>isotonic</c>.</param>
public sealed record DecisionPolicyClaim(IReadOnlyList<double> Thresholds, CostClaim? Costs, string CalibrationMethod);

/// <summary>The cost of each outcome of a binary decision, in the owner's stated unit.</summary>
public sealed record CostClaim(double TruePositive, double FalsePositive, double FalseNegative, double TrueNegative);

/// <summary>One risk officer's sign-off.</summary>
/// <param name="Name">Only in version 1 statements: the officer's display name then. Left out of version 2.</param>
public sealed record ApproverClaim(
    string SubjectId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    string Role,
    DateTimeOffset SignedAt
);

/// <summary>The validation the approval relied on.</summary>
/// <param name="ValidatorName">Only in version 1 statements: the validator's display name then. Left out of version 2.</param>
public sealed record ValidationClaim(
    string Outcome,
    string ValidatorSubjectId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ValidatorName,
    DateTimeOffset ValidatedAt
);

/// <summary>Where in the ledger the approval was recorded: the model version's stream and the version of its approval event.</summary>
public sealed record LedgerReference(string Stream, long StreamVersion, string EventType);

public static class AttestationJson
{
    /// <summary>One fixed serialization, so the same approval always yields the same statement bytes.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
