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
/// Version 2 (<see cref="Type"/>) names the approvers and the validator by namespaced subject id only; version 1
/// (<see cref="TypeV1"/>, issued by earlier releases) also carried their display names, and still verifies. A signed
/// statement is permanent, so it carries no personal name that a person's erasure would have to reach.
/// </summary>
/// <param name="IssuedAt">When this statement was signed: at the approval, or later when it was re-attested with another key.
/// It must lie in the signing key's window (<see cref="KeyWindow"/>). Statements of earlier releases lack it: their issue time
/// is <paramref name="ApprovedAt"/> (<see cref="IssueTime"/>).</param>
/// <param name="ArtifactFiles">
/// For a model directory, its files (path relative to the directory, <c>sha256:</c> digest, size in bytes), whose
/// manifest digest (<see cref="FileManifest.DigestOf"/>) is the subject's digest; a verifier names from them the file
/// that is missing, extra or changed. Null, and left out of the statement, for a one-file artifact.
/// </param>
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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ManifestFile>? ArtifactFiles = null
)
{
    /// <summary>The predicate type this release signs.</summary>
    public const string Type = "urn:governance:predicate:model-approval:v2";

    /// <summary>The predicate type of earlier releases, with approvers' and validators' display names.</summary>
    public const string TypeV1 = "urn:governance:predicate:model-approval:v1";

    /// <summary>The predicate types a verifier accepts.</summary>
    public static readonly IReadOnlyList<string> Accepted = [Type, TypeV1];

    /// <summary>The time the statement was signed: <see cref="IssuedAt"/>, else <see cref="ApprovedAt"/>.</summary>
    [JsonIgnore]
    public DateTimeOffset IssueTime => IssuedAt ?? ApprovedAt;
}

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
