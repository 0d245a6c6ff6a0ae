using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class ValidationIndependenceTests
{
    private static readonly RecordValidationOutcome Passed = new(ValidationOutcome.Passed, [], "Model is fit for purpose");

    [Fact]
    public void The_model_owner_cannot_validate_their_own_model()
    {
        // Owner did not register the version (the developer did), so only the owner rule applies.
        var version = Given(VersionRegistered(registeredBy: Developer, owner: Owner), SubmittedEvent());

        Refused(
            () => ValidationDecisions.Decide(Passed, TheModel, version, Ctx(Owner)),
            RuleKind.Forbidden,
            "segregation_of_duties.validator_is_model_owner"
        );
    }

    [Fact]
    public void Whoever_registered_the_version_cannot_validate_it()
    {
        var version = Given(VersionRegistered(registeredBy: Developer, owner: Owner), SubmittedEvent());

        Refused(
            () => ValidationDecisions.Decide(Passed, TheModel, version, Ctx(Developer)),
            RuleKind.Forbidden,
            "segregation_of_duties.validator_is_developer"
        );
    }

    [Fact]
    public void An_independent_validator_records_the_outcome_with_their_opinion_as_reason()
    {
        var version = Given(VersionRegistered(), SubmittedEvent());
        var command = new RecordValidationOutcome(
            ValidationOutcome.PassedWithConditions,
            [
                new FindingInput(null, FindingSeverity.Medium, " Calibration drift in tail ", null, FindingStatus.Open),
                new FindingInput("VAL-7", FindingSeverity.Low, "Docs", "Minor", FindingStatus.Accepted),
            ],
            "Fit for purpose with monitoring"
        );

        var completed = ValidationDecisions.Decide(command, TheModel, version, Ctx(Validator, Day(2)));

        Assert.Equal(ValidationOutcome.PassedWithConditions, completed.Outcome);
        Assert.Collection(
            completed.Findings,
            f =>
                Assert.Equal(
                    new ValidationFinding("F-1", FindingSeverity.Medium, "Calibration drift in tail", null, FindingStatus.Open),
                    f
                ),
            f => Assert.Equal(new ValidationFinding("VAL-7", FindingSeverity.Low, "Docs", "Minor", FindingStatus.Accepted), f)
        );

        var validated = ModelVersion.Evolve(version, completed)!;
        Assert.Equal(ModelVersionStatus.Validated, validated.Status);
        Assert.Equal(Validator, validated.Validation!.Validator);
        Assert.Equal("Fit for purpose with monitoring", validated.Validation.Opinion);
    }
}

public class ValidationOutcomeRuleTests
{
    private static ModelVersion Submitted() => Given(VersionRegistered(), SubmittedEvent());

    private static RecordValidationOutcome Outcome(ValidationOutcome outcome, FindingSeverity severity, FindingStatus status) =>
        new(outcome, [new FindingInput("F-9", severity, "Unstable on thin-file applicants", null, status)], "Opinion");

    [Theory]
    [InlineData(FindingSeverity.High)]
    [InlineData(FindingSeverity.Critical)]
    public void A_version_cannot_pass_outright_while_a_high_or_critical_finding_is_open(FindingSeverity severity)
    {
        InvalidField(
            () =>
                ValidationDecisions.Decide(
                    Outcome(ValidationOutcome.Passed, severity, FindingStatus.Open),
                    TheModel,
                    Submitted(),
                    Ctx(Validator)
                ),
            "outcome"
        );
    }

    [Theory]
    [InlineData(ValidationOutcome.PassedWithConditions, FindingSeverity.High, FindingStatus.Open)]
    [InlineData(ValidationOutcome.Failed, FindingSeverity.Critical, FindingStatus.Open)]
    [InlineData(ValidationOutcome.Passed, FindingSeverity.High, FindingStatus.Remediated)]
    [InlineData(ValidationOutcome.Passed, FindingSeverity.Critical, FindingStatus.Accepted)]
    [InlineData(ValidationOutcome.Passed, FindingSeverity.Medium, FindingStatus.Open)]
    [InlineData(ValidationOutcome.Passed, FindingSeverity.Low, FindingStatus.Open)]
    public void Other_outcome_and_finding_combinations_are_accepted(
        ValidationOutcome outcome,
        FindingSeverity severity,
        FindingStatus status
    )
    {
        var completed = ValidationDecisions.Decide(Outcome(outcome, severity, status), TheModel, Submitted(), Ctx(Validator));

        Assert.Equal(outcome, completed.Outcome);
        Assert.Single(completed.Findings);
    }

    [Fact]
    public void An_outcome_without_an_opinion_is_invalid()
    {
        InvalidField(
            () =>
                ValidationDecisions.Decide(
                    new RecordValidationOutcome(ValidationOutcome.Passed, [], " "),
                    TheModel,
                    Submitted(),
                    Ctx(Validator)
                ),
            "opinion"
        );
    }

    [Fact]
    public void A_finding_without_severity_names_the_finding_field()
    {
        var command = new RecordValidationOutcome(
            ValidationOutcome.Failed,
            [new FindingInput(null, null, "Title", null, FindingStatus.Open)],
            "Opinion"
        );

        InvalidField(() => ValidationDecisions.Decide(command, TheModel, Submitted(), Ctx(Validator)), "findings[0].severity");
    }
}

public class ValidationLifecycleTests
{
    private static readonly SubmitForValidation Submit = new(
        "Backtest, stability and fairness review",
        "https://reports/val-1.pdf",
        null,
        null
    );

    [Fact]
    public void A_registered_version_can_be_submitted_for_validation()
    {
        var version = Given(Registered());

        var submitted = ValidationDecisions.Decide(Submit, TheModel, version, Ctx(Owner, Day(1)));

        Assert.Equal(ModelVersionStatus.ValidationSubmitted, ModelVersion.Evolve(version, submitted)!.Status);
    }

    [Fact]
    public void A_version_that_failed_validation_can_be_resubmitted_and_loses_its_old_outcome()
    {
        var version = Given(Validated(outcome: ValidationOutcome.Failed));

        var submitted = ValidationDecisions.Decide(Submit, TheModel, version, Ctx(Owner, Day(3)));
        version = ModelVersion.Evolve(version, submitted)!;

        Assert.Equal(ModelVersionStatus.ValidationSubmitted, version.Status);
        Assert.Null(version.Validation);
    }

    [Fact]
    public void A_validated_version_cannot_be_resubmitted()
    {
        var version = Given(Validated());

        Refused(() => ValidationDecisions.Decide(Submit, TheModel, version, Ctx(Owner)), RuleKind.Conflict, "validation.not_submittable");
    }

    [Fact]
    public void An_outcome_cannot_be_recorded_for_a_version_not_submitted_for_validation()
    {
        var version = Given(Registered());

        Refused(
            () =>
                ValidationDecisions.Decide(
                    new RecordValidationOutcome(ValidationOutcome.Passed, [], "Fine"),
                    TheModel,
                    version,
                    Ctx(Validator)
                ),
            RuleKind.Conflict,
            "validation.not_submitted"
        );
    }

    [Fact]
    public void A_retired_version_cannot_be_submitted_for_validation()
    {
        var version = Given(VersionRegistered(), VersionRetiredEvent());

        Refused(() => ValidationDecisions.Decide(Submit, TheModel, version, Ctx(Owner)), RuleKind.Conflict, "model_version.retired");
    }

    [Fact]
    public void A_malformed_report_digest_is_invalid()
    {
        var version = Given(Registered());

        InvalidField(
            () => ValidationDecisions.Decide(Submit with { ReportDigest = "sha1:abc" }, TheModel, version, Ctx(Owner)),
            "reportDigest"
        );
    }

    [Fact]
    public void A_high_risk_failed_validation_leaves_the_version_in_validation_failed()
    {
        var version = Given(Validated(RiskTier.High, ValidationOutcome.Failed));

        Assert.Equal(ModelVersionStatus.ValidationFailed, version.Status);
    }
}
