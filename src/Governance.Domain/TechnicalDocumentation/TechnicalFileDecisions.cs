using System.Text.RegularExpressions;
using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.TechnicalDocumentation;

/// <summary>An attached document as a caller names it; every field is checked before anything is recorded.</summary>
public sealed record AttachmentInput(string? Title, string? Sha256, long? SizeBytes, string? MediaType);

/// <summary>Record a statement of the technical documentation on a model (<paramref name="Version"/> null) or on one version.</summary>
/// <param name="Supersedes">The revision this statement supersedes: null for the item's first statement; the current revision
/// otherwise (so that nobody supersedes a statement they have not read).</param>
public sealed record RecordTechnicalDocumentation(
    string? Version,
    DocumentationItem? Item,
    string? Text,
    IReadOnlyList<string?>? References,
    IReadOnlyList<AttachmentInput?>? Attachments,
    IReadOnlyList<string?>? DatasetDigests,
    int? Supersedes,
    string? Reason
);

/// <summary>Record a risk of the risk management file (<paramref name="RiskId"/> null), or reassess one (its id, and
/// <paramref name="Supersedes"/> its current revision).</summary>
/// <param name="ReviewDue">The next review date (ISO 8601 date), not before the day it is recorded.</param>
public sealed record RecordRisk(
    string? RiskId,
    int? Supersedes,
    string? Title,
    string? Description,
    string? AffectedPersons,
    Likelihood? Likelihood,
    HarmSeverity? Severity,
    string? Measures,
    Likelihood? ResidualLikelihood,
    HarmSeverity? ResidualSeverity,
    string? ResidualRisk,
    IReadOnlyList<string?>? Tests,
    DateOnly? ReviewDue,
    string? Reason
);

/// <summary>A risk officer accepts the residual risk of a risk's current revision (<paramref name="Revision"/>, as they read it).</summary>
public sealed record AcceptResidualRisk(string RiskId, int? Revision, string? Rationale);

/// <summary>
/// The technical file's rules (EU AI Act Art. 9 and 11, Annex IV): the model's first line (its owner and delegates, as the
/// provider's staff) records the documentation and the risks; a risk officer, who is a person and neither the model's owner,
/// a delegate nor the one who assessed the risk, accepts the residual risk (second line; Art. 9(5), SR 26-2 effective
/// challenge). A statement or assessment is never edited: a new revision supersedes the one the author read.
/// </summary>
public static partial class TechnicalFileDecisions
{
    public const int MaxTextLength = 8000;
    public const int MaxListItems = 30;
    public const int MaxAttachments = 20;

    /// <exception cref="GovernanceRuleException">Invalid fields (named, e.g. <c>attachments[0].sha256</c>); a dataset digest not in
    /// the register; forbidden to anyone but the model's owner and delegates; conflict when <c>supersedes</c> is not the item's
    /// current revision.</exception>
    /// <param name="isRegisteredDataset">Whether the dataset register holds a dataset with the manifest digest.</param>
    public static TechnicalDocumentationRecorded Decide(
        RecordTechnicalDocumentation command,
        Model model,
        TechnicalFile? file,
        Func<string, bool> isRegisteredDataset,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Defined(command.Item, "item")
            .Required(command.Text, "text", MaxTextLength, multiline: true)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .MaxItems(command.References, "references", MaxListItems)
            .RequiredItems(command.References, "references", 300)
            .MaxItems(command.Attachments, "attachments", MaxAttachments)
            .MaxItems(command.DatasetDigests, "datasetDigests", MaxListItems);
        if (command.Version is not null)
            check.VersionLabel(command.Version, "version");
        if (command.Supersedes is < 1)
            check.Fail("supersedes", "must be the revision number (1 or more) of the statement this one supersedes");
        for (var i = 0; command.Attachments is not null && i < command.Attachments.Count; i++)
            Attachment(check, command.Attachments[i], $"attachments[{i}]");
        for (var i = 0; command.DatasetDigests is not null && i < command.DatasetDigests.Count; i++)
        {
            var digest = command.DatasetDigests[i];
            if (StrictSha256(check, digest, $"datasetDigests[{i}]") && !isRegisteredDataset(digest!))
                check.Fail($"datasetDigests[{i}]", "names no dataset in the register (register it first, then link it)");
        }
        check.ThrowIfAny();
        ModelStewardship.EnsureSteward(model, context.Actor, "record the technical documentation of");
        var item = command.Item!.Value;
        var current = file?.Latest(item, command.Version);
        EnsureSupersedes(
            current?.Revision,
            command.Supersedes,
            $"{item}{(command.Version is null ? "" : $" of version {command.Version}")}"
        );
        var (point, title) = DocumentationItems.Describe(item);
        return new TechnicalDocumentationRecorded(
            model.Id,
            command.Version,
            item,
            (current?.Revision ?? 0) + 1,
            command.Text!.Trim(),
            command.References?.Select(r => r!.Trim()).ToArray() ?? [],
            command
                .Attachments?.Select(a => new DocumentAttachment(a!.Title!.Trim(), a.Sha256!, a.SizeBytes!.Value, a.MediaType!))
                .ToArray()
                ?? [],
            command.DatasetDigests?.Select(d => d!).ToArray() ?? [],
            context.Audit(
                string.IsNullOrWhiteSpace(command.Reason)
                    ? $"{title} ({point}) {(current is null ? "recorded" : $"revised, superseding revision {current.Revision}")}"
                    : command.Reason.Trim()
            )
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid fields (named); forbidden to anyone but the model's owner and delegates;
    /// not found for an unknown risk id; conflict when <c>supersedes</c> is not the risk's current revision.</exception>
    public static RiskRecorded Decide(RecordRisk command, Model model, TechnicalFile? file, CommandContext context)
    {
        var check = new InputCheck()
            .Required(command.Title, "title", 200)
            .Required(command.Description, "description", 4000, multiline: true)
            .Required(command.AffectedPersons, "affectedPersons", 2000, multiline: true)
            .Defined(command.Likelihood, "likelihood")
            .Defined(command.Severity, "severity")
            .Required(command.Measures, "measures", 4000, multiline: true)
            .Defined(command.ResidualLikelihood, "residualLikelihood")
            .Defined(command.ResidualSeverity, "residualSeverity")
            .Required(command.ResidualRisk, "residualRisk", 2000, multiline: true)
            .MaxItems(command.Tests, "tests", MaxListItems)
            .RequiredItems(command.Tests, "tests", 300)
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.RiskId is not null && !RiskIdPattern().IsMatch(command.RiskId))
            check.Fail("riskId", "must be a risk id of the file, such as R-3");
        if (command.ReviewDue is null)
            check.Fail("reviewDue", "is required: the date of the next review (YYYY-MM-DD)");
        else if (command.ReviewDue < DateOnly.FromDateTime(context.Now.UtcDateTime))
            check.Fail("reviewDue", "lies in the past: give the date of the next review");
        if (command.Supersedes is < 1)
            check.Fail("supersedes", "must be the revision number (1 or more) of the assessment this one supersedes");
        check.ThrowIfAny();
        ModelStewardship.EnsureSteward(model, context.Actor, "record the risk management file of");
        var existing = command.RiskId is null ? null : file?.Risk(command.RiskId);
        if (command.RiskId is not null && existing is null)
            throw GovernanceRuleException.NotFound("risk.not_found", $"Model '{model.Id}' has no risk '{command.RiskId}'.");
        EnsureSupersedes(existing?.Current.Revision, command.Supersedes, command.RiskId ?? "a new risk");
        var id = command.RiskId ?? $"R-{(file?.Risks.Count ?? 0) + 1}";
        var revision = (existing?.Current.Revision ?? 0) + 1;
        return new RiskRecorded(
            model.Id,
            id,
            revision,
            command.Title!.Trim(),
            command.Description!.Trim(),
            command.AffectedPersons!.Trim(),
            command.Likelihood!.Value,
            command.Severity!.Value,
            command.Measures!.Trim(),
            command.ResidualLikelihood!.Value,
            command.ResidualSeverity!.Value,
            command.ResidualRisk!.Trim(),
            command.Tests?.Select(t => t!.Trim()).ToArray() ?? [],
            command.ReviewDue!.Value,
            context.Audit(
                string.IsNullOrWhiteSpace(command.Reason)
                    ? existing is null
                        ? "Risk identified (EU AI Act Art. 9)"
                        : $"Risk reassessed, superseding revision {existing.Current.Revision}"
                    : command.Reason.Trim()
            )
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid fields; forbidden to a machine client, to anyone not acting as a risk
    /// officer, and to the model's owner, a delegate or the assessment's author (segregation of duties); not found; conflict when
    /// <c>revision</c> is not the current one or it is already accepted.</exception>
    public static ResidualRiskAccepted Decide(AcceptResidualRisk command, Model model, TechnicalFile? file, CommandContext context)
    {
        var check = new InputCheck().Required(command.Rationale, "rationale", 2000, multiline: true);
        if (command.Revision is not >= 1)
            check.Fail("revision", "is required: the revision of the assessment whose residual risk is accepted");
        check.ThrowIfAny();
        var actor = context.Actor;
        if (actor.IsMachine)
            throw GovernanceRuleException.Forbidden(
                "access.person_required",
                "Only a person may accept residual risk (EU AI Act Art. 9(5), 14), not a machine client."
            );
        if (actor.Role != Roles.RiskOfficer)
            throw GovernanceRuleException.Forbidden("access.role_required", "Accepting residual risk needs the RiskOfficer role.");
        var risk =
            file?.Risk(command.RiskId)
            ?? throw GovernanceRuleException.NotFound("risk.not_found", $"Model '{model.Id}' has no risk '{command.RiskId}'.");
        if (model.IsSteward(actor.SubjectId) || risk.Current.RecordedBy.SubjectId == actor.SubjectId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.assessor_cannot_accept",
                "The model's owner, its delegates and the author of the assessment cannot accept its residual risk."
            );
        if (command.Revision != risk.Current.Revision)
            throw GovernanceRuleException.Conflict(
                "risk.revision_superseded",
                $"Risk {risk.Id} is at revision {risk.Current.Revision}, not {command.Revision}: read the current assessment first."
            );
        if (risk.CurrentAcceptance is { } accepted)
            throw GovernanceRuleException.Conflict(
                "risk.already_accepted",
                $"The residual risk of {risk.Id} revision {accepted.Revision} was accepted on {accepted.AcceptedAt:u}."
            );
        return new ResidualRiskAccepted(
            model.Id,
            risk.Id,
            risk.Current.Revision,
            command.Rationale!.Trim(),
            context.Audit($"Residual risk of {risk.Id} revision {risk.Current.Revision} accepted")
        );
    }

    /// <summary>Checks a digest is <c>sha256:</c> and 64 lower-case hex digits, the one form the ledger stores (upper case is
    /// refused rather than folded, so what is recorded is what was sent).</summary>
    /// <returns>True when it is well formed.</returns>
    public static bool StrictSha256(InputCheck check, string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            check.Fail(field, "is required");
        else if (!DigestPattern().IsMatch(value))
            check.Fail(field, "must be 'sha256:' followed by 64 lower-case hexadecimal characters");
        else
            return true;
        return false;
    }

    private static void Attachment(InputCheck check, AttachmentInput? a, string field)
    {
        if (a is null)
        {
            check.Fail(field, "is required");
            return;
        }
        check.Required(a.Title, $"{field}.title", 300);
        StrictSha256(check, a.Sha256, $"{field}.sha256");
        if (a.SizeBytes is null)
            check.Fail($"{field}.sizeBytes", "is required: the document's size in bytes");
        else
            check.NonNegativeWholeNumber(a.SizeBytes, $"{field}.sizeBytes");
        if (string.IsNullOrWhiteSpace(a.MediaType))
            check.Fail($"{field}.mediaType", "is required, e.g. application/pdf");
        else if (!MediaTypePattern().IsMatch(a.MediaType))
            check.Fail($"{field}.mediaType", "must be a media type such as application/pdf (type/subtype, RFC 6838)");
    }

    private static void EnsureSupersedes(int? current, int? supersedes, string what)
    {
        if (current == supersedes)
            return;
        throw GovernanceRuleException.Conflict(
            "technical_file.revision_mismatch",
            current is null
                ? $"Nothing is recorded yet for {what}: leave supersedes empty."
                : $"{what} is at revision {current}: send supersedes = {current} to supersede it (a statement is never edited)."
        );
    }

    [GeneratedRegex(@"\Asha256:[0-9a-f]{64}\z")]
    private static partial Regex DigestPattern();

    // RFC 6838 section 4.2 restricted names, lower or upper case.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\z")]
    private static partial Regex MediaTypePattern();

    [GeneratedRegex(@"\AR-[1-9][0-9]{0,5}\z")]
    private static partial Regex RiskIdPattern();
}
