using System.Text.Json;

namespace Governance.Attestations;

/// <summary>What the loader expects the attestation to say.</summary>
public sealed record Expectation(string ArtifactDigest, string Environment, string? Model = null, string? Version = null);

/// <summary>The outcome of an offline check: verified, or one specific reason it was refused. A verified one carries the
/// approval it states, the key that signed it and the envelope's digest (<see cref="Dsse.DigestOf"/>), which the ledger
/// records as the approval's <c>attestationDigest</c>, and the predicate type it was signed as (<see
/// cref="ModelApprovalPredicate.Accepted"/>): a server enforcing a decision policy refuses the versions before 3.</summary>
public sealed record Verification(
    bool Verified,
    string Code,
    string Message,
    ModelApprovalPredicate? Approval = null,
    string? KeyId = null,
    string? EnvelopeDigest = null,
    string? PredicateType = null
)
{
    public static Verification Refused(string code, string message) => new(false, code, message);
}

/// <summary>
/// Verifies a DSSE envelope offline: signed by a trusted ES256 key (<see cref="DsseVerifier"/>, threshold 1, our payload
/// type only), an in-toto Statement v1 of our predicate type (unknown fields ignored) with a subject whose sha256 is this
/// artifact's, for this environment (and model/version when given), not expired. Revocation needs the ledger and is
/// checked by the caller.
/// </summary>
public static class AttestationVerifier
{
    /// <param name="trusted">The trusted keys; keys other than EC P-256 are ignored. The key that verified must have been in its
    /// window when the statement was issued (<see cref="KeyWindow"/>).</param>
    /// <param name="statusList">A signed status list already verified (<see cref="ApprovalStatusList.Verify"/>): the approval
    /// must be in it, granted, unrevoked, and recorded for this artifact and this very envelope (<see
    /// cref="ApprovalStanding"/>).</param>
    public static Verification Verify(
        byte[] envelopeJson,
        Expectation expected,
        JwkSet trusted,
        DateTimeOffset now,
        ApprovalStatusList? statusList = null
    )
    {
        var dsse = DsseVerifier.Verify(envelopeJson, Statement.PayloadType, trusted);
        if (!dsse.Verified)
            return Verification.Refused(dsse.Code, dsse.Message);
        var keyId = dsse.KeyIds![0];
        var payload = dsse.Payload!;

        Statement? statement;
        try
        {
            statement = JsonSerializer.Deserialize<Statement>(payload, AttestationJson.Options);
        }
        catch (JsonException e)
        {
            return Verification.Refused("statement_malformed", $"The payload is not an in-toto statement: {e.Message}");
        }
        if (
            statement is null
            || statement.Type != Statement.TypeV1
            || statement.Subjects is not { Count: > 0 }
            || statement.Predicate is null
        )
            return Verification.Refused(
                "statement_malformed",
                "The payload is not an in-toto Statement v1 with a subject and a predicate."
            );
        if (!ModelApprovalPredicate.Accepted.Contains(statement.PredicateType))
            return Verification.Refused(
                "statement_malformed",
                $"The predicate type is '{statement.PredicateType}', not one of {string.Join(", ", ModelApprovalPredicate.Accepted)}."
            );
        var approval = statement.Predicate;
        if (approval.Environment is null || approval.Model is null || approval.Version is null || approval.ApprovalId is null)
            return Verification.Refused("statement_malformed", "The predicate lacks its model, version, environment or approval id.");

        var artifactHex = expected.ArtifactDigest.StartsWith("sha256:") ? expected.ArtifactDigest[7..] : expected.ArtifactDigest;
        if (
            !statement.Subjects.Any(s =>
                s?.Digest is not null
                && s.Digest.TryGetValue("sha256", out var d)
                && string.Equals(d, artifactHex, StringComparison.OrdinalIgnoreCase)
            )
        )
            return Verification.Refused(
                "digest_mismatch",
                $"The attestation covers {Describe(statement)}, not this artifact (sha256:{artifactHex})."
            );
        if (expected.Model is not null && approval.Model != expected.Model)
            return Verification.Refused("model_mismatch", $"The attestation is for model '{approval.Model}', not '{expected.Model}'.");
        if (expected.Version is not null && approval.Version != expected.Version)
            return Verification.Refused(
                "model_mismatch",
                $"The attestation is for version '{approval.Version}', not '{expected.Version}'."
            );
        if (approval.Environment != expected.Environment)
            return Verification.Refused(
                "environment_mismatch",
                $"The approval is for '{approval.Environment}', not '{expected.Environment}'."
            );
        if (KeyWindow.Check(trusted.Keys.First(k => k.Kid == keyId), approval.IssueTime, now) is var (windowCode, windowMessage))
            return Verification.Refused(windowCode, windowMessage);
        if (approval.ExpiresAt <= now)
            return Verification.Refused("approval_expired", $"The approval expired on {approval.ExpiresAt:u}.");
        var envelopeDigest = Dsse.DigestOf(dsse.Envelope!);
        if (
            statusList is not null
            && ApprovalStanding.Problem(statusList.Find(approval.ApprovalId), approval, expected.ArtifactDigest, envelopeDigest)
                is var (code, message)
        )
            return Verification.Refused(code, $"{message} (status list issued {statusList.IssuedAt:u})");
        return new Verification(
            true,
            "verified",
            $"Approval {approval.ApprovalId} by {string.Join(", ", approval.Approvers.Select(a => a.SubjectId))} verified with key "
                + $"{keyId}.",
            approval,
            keyId,
            envelopeDigest,
            statement.PredicateType
        );
    }

    private static string Describe(Statement statement) =>
        string.Join(
            ", ",
            statement.Subjects.Select(s => $"{s?.Name} (sha256:{(s?.Digest?.TryGetValue("sha256", out var d) == true ? d : "?")})")
        );
}
