namespace Governance.Attestations;

/// <summary>
/// The ledger's record of an approval (its online status answer, or its entry in a signed status list) against what a
/// verifier checked: the record must exist, be granted and unrevoked, and be for exactly the artifact, scope and envelope
/// verified. A validly signed envelope that reuses a real approval id for another artifact, model, version or environment,
/// or that is not the envelope the ledger issued (a backdated forgery, an envelope replaced by re-attestation), is refused.
/// </summary>
public static class ApprovalStanding
{
    /// <summary>The refusal, or null when the record allows what was verified. Codes: <c>approval_unknown</c>,
    /// <c>approval_revoked</c>, <c>approval_suspended</c> (by a monitoring breach), <c>approval_not_granted</c>,
    /// <c>approval_digest_mismatch</c>, <c>approval_scope_mismatch</c>, <c>attestation_digest_mismatch</c>.</summary>
    /// <param name="standing">The ledger's record; null when it does not know the approval.</param>
    /// <param name="approval">The verified statement's predicate.</param>
    /// <param name="artifactDigest">The digest of the artifact verified (<c>sha256:</c>…).</param>
    /// <param name="envelopeDigest">The verified envelope's <see cref="Dsse.DigestOf"/>.</param>
    /// <param name="servingAt">For a model already serving, the server's time now: an approval suspended by a monitoring
    /// breach lets it finish until the record's <see cref="ApprovalStatusAnswer.DrainUntil"/>. Null for a load, which a
    /// suspended approval always refuses.</param>
    public static (string Code, string Message)? Problem(
        ApprovalStatusAnswer? standing,
        ModelApprovalPredicate approval,
        string artifactDigest,
        string envelopeDigest,
        DateTimeOffset? servingAt = null
    )
    {
        var id = approval.ApprovalId;
        if (standing is null)
            return ("approval_unknown", $"The ledger does not know approval {id}.");
        if (standing.Revoked)
            return ("approval_revoked", $"Approval {id} was revoked on {standing.RevokedAt:u}: {standing.RevocationReason}");
        if (standing.MonitoringState == ApprovalStatusAnswer.Suspended && !(servingAt < standing.DrainUntil))
            return (
                "approval_suspended",
                $"Approval {id} is suspended after a monitoring breach; its drain period "
                    + (standing.DrainUntil is { } until ? $"ended {until:u}" : "is over")
                    + "."
            );
        if (standing.Status != "Approved" && standing.MonitoringState != ApprovalStatusAnswer.Suspended)
            return ("approval_not_granted", $"The ledger says approval {id} is {standing.Status}.");
        if (!string.Equals(standing.ArtifactDigest, artifactDigest, StringComparison.OrdinalIgnoreCase))
            return (
                "approval_digest_mismatch",
                $"The ledger's approval {id} is for artifact {standing.ArtifactDigest}, not {artifactDigest}."
            );
        if (standing.Model != approval.Model || standing.Version != approval.Version || standing.Environment != approval.Environment)
            return (
                "approval_scope_mismatch",
                $"The ledger's approval {id} is for {standing.Model} {standing.Version} in {standing.Environment}, not "
                    + $"{approval.Model} {approval.Version} in {approval.Environment}."
            );
        if (standing.AttestationDigest != envelopeDigest)
            return (
                "attestation_digest_mismatch",
                $"The envelope ({envelopeDigest}) is not the attestation the ledger issued for approval {id} "
                    + $"({standing.AttestationDigest ?? "none recorded"})."
            );
        return null;
    }
}
