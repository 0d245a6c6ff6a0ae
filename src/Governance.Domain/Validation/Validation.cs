using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Validation;

public enum ValidationOutcome
{
    Passed,
    PassedWithConditions,
    Failed,
}

public enum FindingSeverity
{
    Low,
    Medium,
    High,
    Critical,
}

public enum FindingStatus
{
    Open,
    Remediated,
    Accepted,
}

public sealed record ValidationFinding(string Id, FindingSeverity Severity, string Title, string? Description, FindingStatus Status);

/// <summary>The model owner hands a version to independent validation, with the evidence to review.</summary>
public sealed record SubmitForValidation(string? Summary, string? ReportUri, string? ReportDigest, string? Reason);

/// <summary>An independent validator's outcome; the opinion is the event's reason.</summary>
public sealed record RecordValidationOutcome(ValidationOutcome? Outcome, IReadOnlyList<FindingInput>? Findings, string? Opinion);

public sealed record FindingInput(string? Id, FindingSeverity? Severity, string? Title, string? Description, FindingStatus? Status);

public static class ValidationDecisions
{
    /// <summary>The owner or a delegate hands a version to independent validation.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; forbidden to anyone but the owner and delegates; conflict when
    /// retired or not in a submittable state.</exception>
    public static SubmittedForValidation Decide(SubmitForValidation command, Model model, ModelVersion version, CommandContext context)
    {
        var check = new InputCheck()
            .Required(command.Summary, "summary", 2000, multiline: true)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .Optional(command.ReportUri, "reportUri", 2000);
        if (command.ReportUri is not null && !Uri.TryCreate(command.ReportUri, UriKind.Absolute, out _))
            check.Fail("reportUri", "must be an absolute URI");
        if (command.ReportDigest is not null)
            check.Sha256(command.ReportDigest, "reportDigest");
        check.ThrowIfAny();

        ModelStewardship.EnsureSteward(model, context.Actor, "submit for validation versions of");
        version.EnsureNotRetired();
        if (version.Status is not (ModelVersionStatus.Registered or ModelVersionStatus.ValidationFailed))
            throw GovernanceRuleException.Conflict(
                "validation.not_submittable",
                $"Model version {version.ModelId} {version.Version} is {version.Status}; only a registered version or one that failed "
                    + $"validation can be submitted for validation."
            );
        return new SubmittedForValidation(
            version.ModelId,
            version.Version,
            command.Summary!.Trim(),
            command.ReportUri,
            command.ReportDigest is null ? null : Digest.Normalize(command.ReportDigest),
            context.Audit(command.Reason ?? "Submitted for independent validation")
        );
    }

    /// <summary>The validator's outcome; the validator must be independent of the model's first line.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; forbidden (<c>segregation_of_duties.validator_is_model_owner</c>,
    /// <c>…validator_is_delegate</c>, <c>…validator_is_developer</c>); conflict when not submitted.</exception>
    public static ValidationCompleted Decide(RecordValidationOutcome command, Model model, ModelVersion version, CommandContext context)
    {
        var check = new InputCheck().Defined(command.Outcome, "outcome").Required(command.Opinion, "opinion", 10_000, multiline: true);
        check.MaxItems(command.Findings, "findings", 200);
        var findings = command.Findings ?? [];
        for (var i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            if (f is null)
            {
                check.Fail($"findings[{i}]", "is required");
                continue;
            }
            check
                .Required(f.Title, $"findings[{i}].title", 500)
                .Defined(f.Severity, $"findings[{i}].severity")
                .Defined(f.Status, $"findings[{i}].status")
                .Optional(f.Description, $"findings[{i}].description", 4_000, multiline: true)
                .Optional(f.Id, $"findings[{i}].id", 100);
        }
        if (
            command.Outcome == ValidationOutcome.Passed
            && findings.Any(f => f is { Status: FindingStatus.Open, Severity: FindingSeverity.High or FindingSeverity.Critical })
        )
            check.Fail("outcome", "cannot be Passed while a High or Critical finding is Open; use PassedWithConditions or Failed");
        check.ThrowIfAny();

        version.EnsureNotRetired();
        if (version.Status != ModelVersionStatus.ValidationSubmitted)
            throw GovernanceRuleException.Conflict(
                "validation.not_submitted",
                $"Model version {version.ModelId} {version.Version} is {version.Status}; a validation outcome can only be recorded for a "
                    + $"version submitted for validation."
            );
        if (context.Actor.SubjectId == version.ModelOwnerId || context.Actor.SubjectId == model.OwnerId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_model_owner",
                "The model owner cannot validate their own model: validation must be independent."
            );
        if (context.Actor.SubjectId == version.RegisteredBy.SubjectId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_developer",
                "Whoever registered this model version cannot validate it: validation must be independent."
            );
        if (model.Delegates.Contains(context.Actor.SubjectId))
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_delegate",
                "A delegate of the model owner cannot validate the model: validation must be independent."
            );

        var recorded = findings
            .Select(
                (f, i) =>
                    new ValidationFinding(
                        string.IsNullOrWhiteSpace(f.Id) ? $"F-{i + 1}" : f.Id.Trim(),
                        f.Severity!.Value,
                        f.Title!.Trim(),
                        f.Description,
                        f.Status!.Value
                    )
            )
            .ToArray();
        return new ValidationCompleted(
            version.ModelId,
            version.Version,
            command.Outcome!.Value,
            recorded,
            context.Audit(command.Opinion!.Trim())
        );
    }
}
