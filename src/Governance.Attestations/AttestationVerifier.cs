using System.Security.Cryptography;
using System.Text.Json;

namespace Governance.Attestations;

/// <summary>What the loader expects the attestation to say.</summary>
public sealed record Expectation(string ArtifactDigest, string Environment, string? Model = null, string? Version = null);

/// <summary>The outcome of an offline check: verified, or one specific reason it was refused. A verified one carries the
/// approval it states, the key that signed it and the envelope's digest (<see cref="Dsse.DigestOf"/>), which the ledger
/// records as the approval's <c>attestationDigest</c>.</summary>
public sealed record Verification(
    bool Verified,
    string Code,
    string Message,
    ModelApprovalPredicate? Approval = null,
    string? KeyId = null,
    string? EnvelopeDigest = null
)
{
    public static Verification Refused(string code, string message) => new(false, code, message);
}

/// <summary>
/// Verifies a DSSE envelope offline: well-formed, signed by a trusted ES256 key, an in-toto statement of our predicate
/// type whose subject is exactly this artifact, for this environment (and model/version when given), not expired.
/// Revocation needs the ledger and is checked by the caller.
/// </summary>
public static class AttestationVerifier
{
    public static Verification Verify(byte[] envelopeJson, Expectation expected, JwkSet trusted, DateTimeOffset now)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(envelopeJson, AttestationJson.Options);
        }
        catch (JsonException e)
        {
            return Verification.Refused("envelope_malformed", $"The envelope is not valid JSON: {e.Message}");
        }
        if (envelope is null || envelope.PayloadType is null || envelope.Payload is null || envelope.Signatures is not { Count: > 0 })
            return Verification.Refused("envelope_malformed", "The envelope lacks payloadType, payload or signatures.");
        if (envelope.PayloadType != Statement.PayloadType)
            return Verification.Refused(
                "payload_type_unsupported",
                $"The payload type is '{envelope.PayloadType}', not '{Statement.PayloadType}'."
            );
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(envelope.Payload);
        }
        catch (FormatException)
        {
            return Verification.Refused("envelope_malformed", "The payload is not valid base64.");
        }

        var signed = Dsse.PreAuthenticationEncoding(envelope.PayloadType, payload);
        string? keyId = null;
        var unknownKeys = new List<string>();
        foreach (var signature in envelope.Signatures)
        {
            var jwk = trusted.Keys.FirstOrDefault(k => k.Kid == signature?.KeyId);
            if (jwk is null)
            {
                unknownKeys.Add(signature?.KeyId ?? "(none)");
                continue;
            }
            byte[] sig;
            try
            {
                sig = Convert.FromBase64String(signature!.Sig ?? "");
            }
            catch (FormatException)
            {
                return Verification.Refused("envelope_malformed", "A signature is not valid base64.");
            }
            using var key = Jwks.ToKey(jwk);
            if (key.VerifyData(signed, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                keyId = jwk.Kid;
                break;
            }
            return Verification.Refused(
                "signature_invalid",
                $"The signature by key {jwk.Kid} does not verify: the envelope was altered or signed by another key."
            );
        }
        if (keyId is null)
            return Verification.Refused(
                "signature_unknown_key",
                $"No signature is by a trusted key (signed by {string.Join(", ", unknownKeys)})."
            );

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
        if (statement.PredicateType != ModelApprovalPredicate.Type)
            return Verification.Refused(
                "statement_malformed",
                $"The predicate type is '{statement.PredicateType}', not '{ModelApprovalPredicate.Type}'."
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
        if (approval.ExpiresAt <= now)
            return Verification.Refused("approval_expired", $"The approval expired on {approval.ExpiresAt:u}.");
        return new Verification(
            true,
            "verified",
            $"Approval {approval.ApprovalId} by {string.Join(", ", approval.Approvers.Select(a => a.Name))} verified with key {keyId}.",
            approval,
            keyId,
            Dsse.DigestOf(envelope)
        );
    }

    private static string Describe(Statement statement) =>
        string.Join(
            ", ",
            statement.Subjects.Select(s => $"{s?.Name} (sha256:{(s?.Digest?.TryGetValue("sha256", out var d) == true ? d : "?")})")
        );
}
