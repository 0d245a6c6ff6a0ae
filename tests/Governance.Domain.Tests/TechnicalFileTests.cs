using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>
/// The technical file (EU AI Act Art. 9 and 11, Annex IV) and the declaration of conformity (Art. 47): given the file's
/// events, when a command is decided, then the whole event (compared as JSON, so lists compare by content) or the refusal.
/// </summary>
public class TechnicalFileTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private static readonly string DatasetDigest = "sha256:" + new string('e', 64);
    private static readonly string DocDigest = "sha256:" + new string('f', 64);
    private static readonly Actor Machine = new("client:ci-bot", Roles.RiskOfficer, "ci-bot");
    private static readonly Actor Admin = new("admin-ada", Roles.Admin);

    private static void SameEvent(object expected, object actual) =>
        Assert.Equal(
            expected.GetType().Name + JsonSerializer.Serialize(expected, expected.GetType(), Json),
            actual.GetType().Name + JsonSerializer.Serialize(actual, actual.GetType(), Json)
        );

    private static TechnicalFile? File(params object[] events) => events.Aggregate((TechnicalFile?)null, TechnicalFile.Evolve);

    private static RecordTechnicalDocumentation Design(
        string text = "Gradient-boosted trees over 20 applicant features.",
        int? supersedes = null,
        string? version = null
    ) =>
        new(
            version,
            DocumentationItem.DesignSpecification,
            text,
            ["ISO/IEC 23894:2023"],
            [new AttachmentInput("Design note v2", DocDigest, 48_213, "application/pdf")],
            [DatasetDigest],
            supersedes,
            null
        );

    private static TechnicalDocumentationRecorded Decided(
        RecordTechnicalDocumentation command,
        TechnicalFile? file,
        Actor? actor = null,
        double day = 10
    ) => TechnicalFileDecisions.Decide(command, TheModel, file, d => d == DatasetDigest, Ctx(actor ?? Owner, Day(day)));

    private static RecordRisk Risk(
        string? id = null,
        int? supersedes = null,
        DateOnly? reviewDue = null,
        string title = "Discrimination by age"
    ) =>
        new(
            id,
            supersedes,
            title,
            "Older applicants may be refused more often for reasons tied to age.",
            "Applicants aged 60 and over; non-discrimination (Charter Art. 21)",
            Likelihood.Possible,
            HarmSeverity.Major,
            "Age is monitored quarterly with the adverse-impact ratio; a 0.8 screen triggers review.",
            Likelihood.Unlikely,
            HarmSeverity.Moderate,
            "Within appetite while the ratio stays above 0.8.",
            ["EV-1 bias examination"],
            reviewDue ?? new DateOnly(2025, 6, 30),
            null
        );

    private static RiskRecorded RiskDecided(RecordRisk command, TechnicalFile? file, Actor? actor = null) =>
        TechnicalFileDecisions.Decide(command, TheModel, file, Ctx(actor ?? Owner, Day(10)));

    [Fact]
    public void The_first_statement_of_an_item_is_revision_1_with_its_attachments_references_and_datasets()
    {
        SameEvent(
            new TechnicalDocumentationRecorded(
                ModelId,
                null,
                DocumentationItem.DesignSpecification,
                1,
                "Gradient-boosted trees over 20 applicant features.",
                ["ISO/IEC 23894:2023"],
                [new DocumentAttachment("Design note v2", DocDigest, 48_213, "application/pdf")],
                [DatasetDigest],
                Ctx(Owner, Day(10)).Audit("Design specifications, key design choices and trade-offs (Annex IV 2(a)-(b)) recorded")
            ),
            Decided(Design(), null)
        );
    }

    [Fact]
    public void A_superseding_statement_is_the_next_revision_and_the_history_keeps_the_old_one()
    {
        var first = Decided(Design("First design."), null, Developer, 10);
        var second = Decided(Design("Second design.", supersedes: 1), File(first), Owner, 12);

        SameEvent(
            new TechnicalDocumentationRecorded(
                ModelId,
                null,
                DocumentationItem.DesignSpecification,
                2,
                "Second design.",
                ["ISO/IEC 23894:2023"],
                [new DocumentAttachment("Design note v2", DocDigest, 48_213, "application/pdf")],
                [DatasetDigest],
                Ctx(Owner, Day(12))
                    .Audit("Design specifications, key design choices and trade-offs (Annex IV 2(a)-(b)) revised, superseding revision 1")
            ),
            second
        );
        var file = File(first, second)!;
        Assert.Equal(["First design.", "Second design."], file.History(DocumentationItem.DesignSpecification, null).Select(r => r.Text));
        Assert.Equal("Second design.", file.InForce(DocumentationItem.DesignSpecification, VersionLabel)!.Text);
        Assert.Equal(Developer, file.History(DocumentationItem.DesignSpecification, null)[0].RecordedBy);
    }

    [Fact]
    public void A_versions_own_statement_is_in_force_for_it_and_the_models_for_other_versions()
    {
        var model = Decided(Design("For every version."), null);
        var own = Decided(Design("Only for 1.0.0.", version: VersionLabel), File(model));
        var file = File(model, own)!;

        Assert.Equal(1, own.Revision);
        Assert.Equal("Only for 1.0.0.", file.InForce(DocumentationItem.DesignSpecification, VersionLabel)!.Text);
        Assert.Equal("For every version.", file.InForce(DocumentationItem.DesignSpecification, "2.0.0")!.Text);
        Assert.Null(file.InForce(DocumentationItem.StandardsApplied, VersionLabel));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void A_statement_that_does_not_name_the_current_revision_is_refused_and_never_overwrites(int? supersedes)
    {
        var file = File(Decided(Design(), null));
        var refused = Assert.Throws<GovernanceRuleException>(() => Decided(Design("Overwrite?", supersedes), file));
        Assert.Equal((RuleKind.Conflict, "technical_file.revision_mismatch"), (refused.Kind, refused.Code));
    }

    [Fact]
    public void Only_the_models_owner_and_its_delegates_record_documentation()
    {
        foreach (var actor in new[] { Validator, OfficerA, Admin })
        {
            var refused = Assert.Throws<GovernanceRuleException>(() => Decided(Design(), null, actor));
            Assert.Equal((RuleKind.Forbidden, "ownership.not_owner_or_delegate"), (refused.Kind, refused.Code));
        }
    }

    [Fact]
    public void Bad_fields_are_all_named_at_once_before_anything_is_decided()
    {
        var command = new RecordTechnicalDocumentation(
            "not a version!",
            null,
            new string('x', TechnicalFileDecisions.MaxTextLength + 1),
            ["ISO 9001", " "],
            [
                new AttachmentInput("", "sha256:" + new string('F', 64), -1, "pdf"),
                new AttachmentInput("Spec", "sha256:abc", null, null),
                null,
            ],
            ["sha256:" + new string('0', 64), "md5:1234"],
            0,
            null
        );
        var refused = Assert.Throws<GovernanceRuleException>(() => Decided(command, null, Validator));

        Assert.Equal(RuleKind.InvalidInput, refused.Kind);
        Assert.Equal(
            new[]
            {
                "attachments[0].mediaType",
                "attachments[0].sha256",
                "attachments[0].sizeBytes",
                "attachments[0].title",
                "attachments[1].mediaType",
                "attachments[1].sha256",
                "attachments[1].sizeBytes",
                "attachments[2]",
                "datasetDigests[0]",
                "datasetDigests[1]",
                "item",
                "references[1]",
                "supersedes",
                "text",
                "version",
            },
            refused.FieldErrors.Keys.Order(StringComparer.Ordinal)
        );
        Assert.Equal(["must be at most 8000 characters"], refused.FieldErrors["text"]);
        Assert.Contains("lower-case", refused.FieldErrors["attachments[0].sha256"][0]);
        Assert.Contains("register", refused.FieldErrors["datasetDigests[0]"][0]);
    }

    [Fact]
    public void An_empty_statement_is_refused_as_required()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() => Decided(Design("   "), null));
        Assert.Equal(["is required"], refused.FieldErrors["text"]);
    }

    [Fact]
    public void A_new_risk_gets_the_next_id_and_revision_1_with_every_assessed_field()
    {
        var first = RiskDecided(Risk(), null);
        SameEvent(
            new RiskRecorded(
                ModelId,
                "R-1",
                1,
                "Discrimination by age",
                "Older applicants may be refused more often for reasons tied to age.",
                "Applicants aged 60 and over; non-discrimination (Charter Art. 21)",
                Likelihood.Possible,
                HarmSeverity.Major,
                "Age is monitored quarterly with the adverse-impact ratio; a 0.8 screen triggers review.",
                Likelihood.Unlikely,
                HarmSeverity.Moderate,
                "Within appetite while the ratio stays above 0.8.",
                ["EV-1 bias examination"],
                new DateOnly(2025, 6, 30),
                Ctx(Owner, Day(10)).Audit("Risk identified (EU AI Act Art. 9)")
            ),
            first
        );
        Assert.Equal("R-2", RiskDecided(Risk(title: "Data drift"), File(first)).RiskId);
    }

    [Fact]
    public void A_risk_officer_accepts_the_current_revision_and_a_reassessment_needs_acceptance_again()
    {
        var identified = RiskDecided(Risk(), null, Developer);
        var accepted = TechnicalFileDecisions.Decide(
            new AcceptResidualRisk("R-1", 1, "Residual risk within appetite."),
            TheModel,
            File(identified),
            Ctx(OfficerA, Day(11))
        );
        SameEvent(
            new ResidualRiskAccepted(
                ModelId,
                "R-1",
                1,
                "Residual risk within appetite.",
                Ctx(OfficerA, Day(11)).Audit("Residual risk of R-1 revision 1 accepted")
            ),
            accepted
        );
        Assert.Equal(RiskStatus.Accepted, File(identified, accepted)!.Risk("R-1")!.Status);

        var reassessed = RiskDecided(Risk("R-1", supersedes: 1), File(identified, accepted));
        var risk = File(identified, accepted, reassessed)!.Risk("R-1")!;
        Assert.Equal((2, RiskStatus.AwaitingAcceptance), (risk.Current.Revision, risk.Status));
        Assert.Equal(2, risk.Revisions.Count);
    }

    [Theory]
    [InlineData("machine", RuleKind.Forbidden, "access.person_required")]
    [InlineData("owner-as-officer", RuleKind.Forbidden, "segregation_of_duties.assessor_cannot_accept")]
    [InlineData("assessor", RuleKind.Forbidden, "segregation_of_duties.assessor_cannot_accept")]
    [InlineData("validator", RuleKind.Forbidden, "access.role_required")]
    [InlineData("stale", RuleKind.Conflict, "risk.revision_superseded")]
    [InlineData("twice", RuleKind.Conflict, "risk.already_accepted")]
    [InlineData("unknown", RuleKind.NotFound, "risk.not_found")]
    public void Residual_risk_is_accepted_only_by_an_independent_risk_officer_who_is_a_person(string who, RuleKind kind, string code)
    {
        // "assessor": Rita assessed the risk while she was a delegate of the model, and later tries to accept it as a risk officer.
        var ritaDelegate = new Models.ModelDelegateAdded(ModelId, OfficerA.SubjectId, AuditOf(Owner, T0));
        var assessedBy = who == "assessor" ? new Actor(OfficerA.SubjectId, Roles.ModelOwner) : Owner;
        var identified = TechnicalFileDecisions.Decide(
            Risk(),
            GivenModel([ModelRegisteredEvent(), ritaDelegate]),
            null,
            Ctx(assessedBy, Day(10))
        );
        var file = File(identified);
        if (who == "twice")
            file = File(
                identified,
                TechnicalFileDecisions.Decide(new AcceptResidualRisk("R-1", 1, "Fine."), TheModel, file, Ctx(OfficerB))
            );
        var actor = who switch
        {
            "machine" => Machine,
            "owner-as-officer" => new Actor(Developer.SubjectId, Roles.RiskOfficer),
            "validator" => Validator,
            _ => OfficerA,
        };
        var command = new AcceptResidualRisk(who == "unknown" ? "R-9" : "R-1", who == "stale" ? 2 : 1, "Accepted.");

        var refused = Assert.Throws<GovernanceRuleException>(() => TechnicalFileDecisions.Decide(command, TheModel, file, Ctx(actor)));
        Assert.Equal((kind, code), (refused.Kind, refused.Code));
    }

    [Fact]
    public void A_risk_is_overdue_for_review_the_day_after_its_review_date()
    {
        var risk = File(RiskDecided(Risk(reviewDue: new DateOnly(2025, 3, 20)), null))!.Risk("R-1")!;
        Assert.False(risk.ReviewOverdueAt(new DateTimeOffset(2025, 3, 20, 23, 59, 0, TimeSpan.Zero)));
        Assert.True(risk.ReviewOverdueAt(new DateTimeOffset(2025, 3, 21, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_risk_with_missing_or_bad_fields_is_refused_naming_each()
    {
        var command = new RecordRisk(
            "risk one",
            0,
            "",
            null,
            "x",
            null,
            (HarmSeverity)42,
            "",
            Likelihood.Rare,
            null,
            " ",
            [""],
            new DateOnly(2025, 3, 1),
            null
        );
        var refused = Assert.Throws<GovernanceRuleException>(() => RiskDecided(command, null));
        Assert.Equal(
            new[]
            {
                "description",
                "likelihood",
                "measures",
                "residualRisk",
                "residualSeverity",
                "reviewDue",
                "riskId",
                "severity",
                "supersedes",
                "tests[0]",
                "title",
            },
            refused.FieldErrors.Keys.Order(StringComparer.Ordinal)
        );
        Assert.Contains("past", refused.FieldErrors["reviewDue"][0]);
    }

    [Fact]
    public void Reassessing_an_unknown_risk_or_a_superseded_revision_is_refused()
    {
        var file = File(RiskDecided(Risk(), null));
        var unknown = Assert.Throws<GovernanceRuleException>(() => RiskDecided(Risk("R-7", supersedes: 1), file));
        Assert.Equal("risk.not_found", unknown.Code);
        var stale = Assert.Throws<GovernanceRuleException>(() => RiskDecided(Risk("R-1", supersedes: null), file));
        Assert.Equal("technical_file.revision_mismatch", stale.Code);
    }

    private static SignDeclarationOfConformity Declaration(
        ConformityAssessmentProcedure procedure = ConformityAssessmentProcedure.InternalControl,
        string? notifiedBody = null
    ) =>
        new(
            "Example Bank AG",
            "Musterstraße 1, 60311 Frankfurt am Main, Germany",
            procedure,
            notifiedBody,
            null,
            ["ISO/IEC 42001:2023"],
            ["Regulation (EU) 2016/679 (GDPR)"],
            "Frankfurt am Main",
            "Chief Risk Officer, for Example Bank AG",
            null
        );

    [Fact]
    public void A_risk_officer_signs_the_declaration_of_conformity_bound_to_the_versions_artifact()
    {
        var version = Given(Approved());
        var signed = DeclarationOfConformityDecision.Decide(Declaration(), TheModel, version, Ctx(OfficerA, Day(20)));

        SameEvent(
            new DeclarationOfConformitySigned(
                ModelId,
                VersionLabel,
                ArtifactDigest,
                "Example Bank AG",
                "Musterstraße 1, 60311 Frankfurt am Main, Germany",
                ConformityAssessmentProcedure.InternalControl,
                null,
                null,
                ["ISO/IEC 42001:2023"],
                ["Regulation (EU) 2016/679 (GDPR)"],
                "Frankfurt am Main",
                "Chief Risk Officer, for Example Bank AG",
                Ctx(OfficerA, Day(20)).Audit($"EU declaration of conformity signed for {ModelId} {VersionLabel} (Art. 47)")
            ),
            signed
        );
        var resigned = DeclarationOfConformityDecision.Decide(Declaration(), TheModel, Given([.. Approved(), signed]), Ctx(Admin, Day(30)));
        var state = Given([.. Approved(), signed, resigned]);
        Assert.Equal([OfficerA, Admin], state.Declarations.Select(d => d.SignedBy));
        Assert.Equal(ModelVersionStatus.Approved, state.Status);
    }

    [Theory]
    [InlineData("machine", "access.person_required")]
    [InlineData("owner", "access.role_required")]
    [InlineData("retired", "model_version.retired")]
    public void Only_a_person_acting_as_admin_or_risk_officer_signs_for_a_version_in_use(string who, string code)
    {
        var version = who == "retired" ? Given([.. Registered(), VersionRetiredEvent()]) : Given(Registered());
        var actor = who switch
        {
            "machine" => Machine,
            "owner" => Owner,
            _ => OfficerA,
        };
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            DeclarationOfConformityDecision.Decide(Declaration(), TheModel, version, Ctx(actor))
        );
        Assert.Equal(code, refused.Code);
    }

    [Fact]
    public void A_notified_body_procedure_needs_the_bodys_name_and_number()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            DeclarationOfConformityDecision.Decide(
                Declaration(ConformityAssessmentProcedure.NotifiedBody),
                TheModel,
                Given(Registered()),
                Ctx(OfficerA)
            )
        );
        Assert.Equal(["notifiedBody"], refused.FieldErrors.Keys);
    }
}
