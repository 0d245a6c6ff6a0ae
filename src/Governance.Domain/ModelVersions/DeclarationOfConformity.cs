using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

/// <summary>The conformity assessment procedure followed (EU AI Act Art. 43).</summary>
public enum ConformityAssessmentProcedure
{
    /// <summary>Annex VI: conformity assessment based on internal control (the rule for Annex III point 5 systems, Art. 43(2)).</summary>
    InternalControl,

    /// <summary>Annex VII: assessment of the quality management system and the technical documentation by a notified body.</summary>
    NotifiedBody,
}

/// <summary>Sign the EU declaration of conformity (Art. 47, Annex V) for a version; the signatory is the caller.</summary>
/// <param name="ProviderName">Annex V 2: the provider's name (and of its authorised representative, where one acts).</param>
/// <param name="ProviderAddress">Annex V 2: the provider's address.</param>
/// <param name="NotifiedBody">Annex V 7: the notified body's name and identification number; required for
/// <see cref="ConformityAssessmentProcedure.NotifiedBody"/>.</param>
/// <param name="Certificate">Annex V 7: the certificate issued by the notified body, if any.</param>
/// <param name="Standards">Annex V 6: the harmonised standards or common specifications the conformity is declared against.</param>
/// <param name="OtherUnionLaw">Annex V 4-5: other Union law the system conforms to (e.g. Regulation (EU) 2016/679, GDPR).</param>
/// <param name="PlaceOfIssue">Annex V 8: where the declaration is signed.</param>
/// <param name="SignatoryFunction">Annex V 8: the signatory's function, and for whom they sign.</param>
public sealed record SignDeclarationOfConformity(
    string? ProviderName,
    string? ProviderAddress,
    ConformityAssessmentProcedure? Procedure,
    string? NotifiedBody,
    string? Certificate,
    IReadOnlyList<string?>? Standards,
    IReadOnlyList<string?>? OtherUnionLaw,
    string? PlaceOfIssue,
    string? SignatoryFunction,
    string? Reason
);

/// <summary>
/// The EU declaration of conformity (Art. 47) was signed for this version, bound to its artifact digest; the signatory and the
/// date are the audit's actor and time (Annex V 8). A later declaration supersedes it (e.g. after a standard is revised).
/// </summary>
public sealed record DeclarationOfConformitySigned(
    string ModelId,
    string Version,
    string ArtifactDigest,
    string ProviderName,
    string ProviderAddress,
    ConformityAssessmentProcedure Procedure,
    string? NotifiedBody,
    string? Certificate,
    IReadOnlyList<string> Standards,
    IReadOnlyList<string> OtherUnionLaw,
    string PlaceOfIssue,
    string SignatoryFunction,
    Audit Audit
) : IModelVersionEvent;

/// <summary>A declaration of conformity as the version's record holds it.</summary>
public sealed record DeclarationOfConformity(
    string ArtifactDigest,
    string ProviderName,
    string ProviderAddress,
    ConformityAssessmentProcedure Procedure,
    string? NotifiedBody,
    string? Certificate,
    IReadOnlyList<string> Standards,
    IReadOnlyList<string> OtherUnionLaw,
    string PlaceOfIssue,
    string SignatoryFunction,
    Actor SignedBy,
    DateTimeOffset SignedAt
)
{
    public static DeclarationOfConformity From(DeclarationOfConformitySigned e) =>
        new(
            e.ArtifactDigest,
            e.ProviderName,
            e.ProviderAddress,
            e.Procedure,
            e.NotifiedBody,
            e.Certificate,
            e.Standards,
            e.OtherUnionLaw,
            e.PlaceOfIssue,
            e.SignatoryFunction,
            e.Audit.Actor,
            e.Audit.At
        );
}

/// <summary>
/// Who may sign the declaration of conformity: a person (never a machine client) acting as Admin or RiskOfficer for the
/// provider, for a version that is not retired. The declaration takes the version's artifact digest, so that it names exactly
/// what it covers.
/// </summary>
public static class DeclarationOfConformityDecision
{
    /// <exception cref="GovernanceRuleException">Invalid fields (named); forbidden to machine clients and to other roles; conflict
    /// when the version is retired.</exception>
    public static DeclarationOfConformitySigned Decide(
        SignDeclarationOfConformity command,
        Model model,
        ModelVersion version,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Required(command.ProviderName, "providerName", 300)
            .Required(command.ProviderAddress, "providerAddress", 1000, multiline: true)
            .Defined(command.Procedure, "procedure")
            .Optional(command.NotifiedBody, "notifiedBody", 300)
            .Optional(command.Certificate, "certificate", 300)
            .MaxItems(command.Standards, "standards", 30)
            .RequiredItems(command.Standards, "standards", 300)
            .MaxItems(command.OtherUnionLaw, "otherUnionLaw", 10)
            .RequiredItems(command.OtherUnionLaw, "otherUnionLaw", 300)
            .Required(command.PlaceOfIssue, "placeOfIssue", 200)
            .Required(command.SignatoryFunction, "signatoryFunction", 200)
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.Procedure == ConformityAssessmentProcedure.NotifiedBody && string.IsNullOrWhiteSpace(command.NotifiedBody))
            check.Fail("notifiedBody", "is required when a notified body assessed the system: its name and identification number");
        check.ThrowIfAny();
        if (context.Actor.IsMachine)
            throw GovernanceRuleException.Forbidden(
                "access.person_required",
                "Only a person may sign the EU declaration of conformity, not a machine client."
            );
        if (context.Actor.Role is not (Roles.Admin or Roles.RiskOfficer))
            throw GovernanceRuleException.Forbidden(
                "access.role_required",
                "Signing the declaration of conformity needs the Admin or RiskOfficer role."
            );
        version.EnsureNotRetired();
        static string[] Trimmed(IReadOnlyList<string?>? items) => items?.Select(s => s!.Trim()).ToArray() ?? [];
        return new DeclarationOfConformitySigned(
            model.Id,
            version.Version,
            version.ArtifactDigest,
            command.ProviderName!.Trim(),
            command.ProviderAddress!.Trim(),
            command.Procedure!.Value,
            string.IsNullOrWhiteSpace(command.NotifiedBody) ? null : command.NotifiedBody.Trim(),
            string.IsNullOrWhiteSpace(command.Certificate) ? null : command.Certificate.Trim(),
            Trimmed(command.Standards),
            Trimmed(command.OtherUnionLaw),
            command.PlaceOfIssue!.Trim(),
            command.SignatoryFunction!.Trim(),
            context.Audit(
                string.IsNullOrWhiteSpace(command.Reason)
                    ? $"EU declaration of conformity signed for {model.Id} {version.Version} (Art. 47)"
                    : command.Reason.Trim()
            )
        );
    }
}
