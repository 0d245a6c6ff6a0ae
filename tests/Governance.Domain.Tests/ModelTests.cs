using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class ModelRegistrationTests
{
    private static RegisterModel Register(
        RiskTier? tier = RiskTier.High,
        string? euCategory = "Annex III 5(b)",
        IReadOnlyList<string>? jurisdictions = null
    ) => new(ModelId, "Credit scoring", "Retail credit decisions", tier, euCategory, jurisdictions ?? ["EU", "DE", "EU"], null);

    [Fact]
    public void Whoever_registers_a_model_becomes_its_owner()
    {
        var registered = RegisterModelDecision.Decide(Register(), null, Ctx(Owner));
        var model = GivenModel(registered);

        Assert.Equal(Owner.SubjectId, model.OwnerId);
        Assert.Equal(new[] { "EU", "DE" }, model.Jurisdictions);
    }

    [Fact]
    public void A_high_risk_model_needs_its_eu_ai_act_category()
    {
        InvalidField(() => RegisterModelDecision.Decide(Register(RiskTier.High, euCategory: null), null, Ctx(Owner)), "euAiActCategory");
    }

    [Fact]
    public void A_low_risk_model_needs_no_eu_ai_act_category()
    {
        var registered = RegisterModelDecision.Decide(Register(RiskTier.Low, euCategory: " "), null, Ctx(Owner));

        Assert.Null(registered.EuAiActCategory);
    }

    [Fact]
    public void Jurisdictions_must_be_upper_case_codes()
    {
        InvalidField(() => RegisterModelDecision.Decide(Register(jurisdictions: ["eu"]), null, Ctx(Owner)), "jurisdictions");
    }

    [Fact]
    public void A_missing_risk_tier_is_invalid()
    {
        InvalidField(() => RegisterModelDecision.Decide(Register(tier: null), null, Ctx(Owner)), "riskTier");
    }

    [Fact]
    public void A_model_id_cannot_be_registered_twice()
    {
        var existing = GivenModel(ModelRegisteredEvent());

        Refused(() => RegisterModelDecision.Decide(Register(), existing, Ctx(Owner)), RuleKind.Conflict, "model.already_registered");
    }

    [Fact]
    public void Retiring_a_model_requires_a_reason()
    {
        InvalidField(
            () => RetireModelDecision.Decide(new RetireModel(ModelId, null), GivenModel(ModelRegisteredEvent()), Ctx(Owner)),
            "reason"
        );
    }

    [Fact]
    public void A_retired_model_cannot_be_retired_again()
    {
        var model = GivenModel(ModelRegisteredEvent(), ModelRetiredEvent());

        Assert.True(model.IsRetired);
        Refused(() => RetireModelDecision.Decide(new RetireModel(ModelId, "Again"), model, Ctx(Owner)), RuleKind.Conflict, "model.retired");
    }

    [Fact]
    public void Retiring_an_unknown_model_is_not_found()
    {
        Refused(() => RetireModelDecision.Decide(new RetireModel(ModelId, "Gone"), null, Ctx(Owner)), RuleKind.NotFound, "model.not_found");
    }
}

public class ModelVersionRegistrationTests
{
    private static readonly Dataset TrainingSet = DatasetWithDigest(TrainingDigest);
    private static readonly Dataset ValidationSet = DatasetWithDigest(ValidationDigest);

    private static RegisterModelVersion Register(string? artifactDigest = null) =>
        new(
            ModelId,
            "2.0.0",
            "s3://models/credit-scoring/2.0.0/model.zip",
            artifactDigest ?? ArtifactDigest.ToUpperInvariant().Replace("SHA256:", "sha256:"),
            2048,
            ArtifactFormat.Onnx,
            TrainingDigest,
            ValidationDigest,
            new Dictionary<string, double> { ["auc"] = 0.83 },
            " 9f8e7d ",
            null,
            null
        );

    [Fact]
    public void A_retired_model_takes_no_new_versions()
    {
        var retired = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed, ModelRetiredEvent()]);

        Refused(
            () => RegisterModelVersionDecision.Decide(Register(), retired, null, TrainingSet, ValidationSet, Ctx(Developer)),
            RuleKind.Conflict,
            "model.retired"
        );
    }

    [Fact]
    public void A_version_of_an_unregistered_model_is_not_found()
    {
        Refused(
            () => RegisterModelVersionDecision.Decide(Register(), null, null, TrainingSet, ValidationSet, Ctx(Developer)),
            RuleKind.NotFound,
            "model.not_found"
        );
    }

    [Fact]
    public void A_version_label_cannot_be_registered_twice()
    {
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]);
        var existing = Given(Registered());

        Refused(
            () => RegisterModelVersionDecision.Decide(Register(), model, existing, TrainingSet, ValidationSet, Ctx(Developer)),
            RuleKind.Conflict,
            "model_version.already_registered"
        );
    }

    [Theory]
    [InlineData("sha256:1234")]
    [InlineData("sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("latest")]
    public void A_badly_formed_artifact_digest_is_refused(string digest)
    {
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]);

        InvalidField(
            () => RegisterModelVersionDecision.Decide(Register(digest), model, null, TrainingSet, ValidationSet, Ctx(Developer)),
            "artifactDigest"
        );
    }

    [Fact]
    public void A_training_dataset_must_be_registered_before_a_version_trained_on_it()
    {
        var model = GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]);

        InvalidField(
            () => RegisterModelVersionDecision.Decide(Register(), model, null, null, ValidationSet, Ctx(Developer)),
            "trainingDatasetDigest"
        );
    }

    [Fact]
    public void A_new_version_inherits_the_models_risk_tier_and_owner_and_normalises_its_digest()
    {
        var model = GivenModel([ModelRegisteredEvent(RiskTier.Medium), .. DelegatesNamed]);

        var registered = RegisterModelVersionDecision.Decide(Register(), model, null, TrainingSet, ValidationSet, Ctx(Developer));
        var version = Given(registered);

        Assert.Equal(RiskTier.Medium, version.RiskTier);
        Assert.Equal(Owner.SubjectId, version.ModelOwnerId);
        Assert.Equal(Developer, version.RegisteredBy);
        Assert.Equal(ArtifactDigest, version.ArtifactDigest);
        Assert.Equal("9f8e7d", version.CodeCommit);
        Assert.Equal(ModelVersionStatus.Registered, version.Status);
        Assert.Equal("credit-scoring@2.0.0", version.Id);
    }
}

public class ModelVersionLifecycleTests
{
    private static readonly Audit A = AuditOf(Owner, Day(1));

    public static TheoryData<ModelVersionStatus, IModelVersionEvent, ModelVersionStatus> Transitions =>
        new()
        {
            {
                ModelVersionStatus.Registered,
                new SubmittedForValidation(ModelId, VersionLabel, "s", null, null, A),
                ModelVersionStatus.ValidationSubmitted
            },
            {
                ModelVersionStatus.ValidationSubmitted,
                new ValidationCompleted(ModelId, VersionLabel, ValidationOutcome.Passed, [], A),
                ModelVersionStatus.Validated
            },
            {
                ModelVersionStatus.ValidationSubmitted,
                new ValidationCompleted(ModelId, VersionLabel, ValidationOutcome.PassedWithConditions, [], A),
                ModelVersionStatus.Validated
            },
            {
                ModelVersionStatus.ValidationSubmitted,
                new ValidationCompleted(ModelId, VersionLabel, ValidationOutcome.Failed, [], A),
                ModelVersionStatus.ValidationFailed
            },
            { ModelVersionStatus.Validated, RequestedEvent(), ModelVersionStatus.ApprovalRequested },
            { ModelVersionStatus.ApprovalRequested, SignedOffEvent(OfficerA, Day(4)), ModelVersionStatus.ApprovalRequested },
            { ModelVersionStatus.ApprovalRequested, ApprovedEvent([OfficerA, OfficerB], Day(5)), ModelVersionStatus.Approved },
            { ModelVersionStatus.ApprovalRequested, RejectedEvent(), ModelVersionStatus.Rejected },
            { ModelVersionStatus.Approved, RevokedEvent(), ModelVersionStatus.Revoked },
            { ModelVersionStatus.Approved, DeployedEvent(), ModelVersionStatus.Deployed },
            { ModelVersionStatus.Approved, RefusedEvent(), ModelVersionStatus.Approved },
            { ModelVersionStatus.Deployed, RefusedEvent(), ModelVersionStatus.Deployed },
            { ModelVersionStatus.Deployed, RolledBackEvent(), ModelVersionStatus.RolledBack },
            { ModelVersionStatus.Deployed, VersionRetiredEvent(), ModelVersionStatus.Retired },
        };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Status_after_an_event_follows_the_lifecycle(ModelVersionStatus current, IModelVersionEvent e, ModelVersionStatus expected)
    {
        Assert.Equal(expected, ModelVersion.StatusAfter(current, e));
    }

    [Fact]
    public void Folding_a_full_history_ends_deployed_with_its_approval_and_deployment()
    {
        var version = Given([.. Approved(), DeployedEvent(at: Day(7))]);

        Assert.Equal(ModelVersionStatus.Deployed, version.Status);
        Assert.Equal(Day(7), version.LastChangedAt);
        Assert.Equal(ApprovalStatus.Approved, Assert.Single(version.Approvals).Status);
        Assert.Equal(ApprovalId, Assert.Single(version.Deployments).ApprovalId);
        Assert.Equal([Production], version.LiveEnvironments);
    }

    [Fact]
    public void Retiring_a_version_requires_a_reason()
    {
        InvalidField(
            () => RetireModelVersionDecision.Decide(new RetireModelVersion(null), TheModel, Given(Registered()), Ctx(Owner)),
            "reason"
        );
    }

    [Fact]
    public void A_retired_version_cannot_be_retired_again()
    {
        var version = Given(VersionRegistered(), VersionRetiredEvent());

        Refused(
            () => RetireModelVersionDecision.Decide(new RetireModelVersion("Again"), TheModel, version, Ctx(Owner)),
            RuleKind.Conflict,
            "model_version.retired"
        );
    }

    [Fact]
    public void Retiring_a_version_keeps_its_history()
    {
        var version = Given([.. Approved(), DeployedEvent()]);

        var retired = RetireModelVersionDecision.Decide(new RetireModelVersion("Superseded"), TheModel, version, Ctx(Owner, Day(12)));
        version = ModelVersion.Evolve(version, retired)!;

        Assert.True(version.IsRetired);
        Assert.Equal(Day(12), version.RetiredAt);
        Assert.Single(version.Approvals);
        Assert.Single(version.Deployments);
        Assert.False(DeploymentPolicy.Check(version, ArtifactDigest, Production, Day(13)).Allowed);
    }
}

/// <summary>Names are joined at read time from the people directory; the ledger keeps subject ids.</summary>
public class PeopleNamesTests
{
    [Fact]
    public void A_subject_the_directory_knows_is_shown_by_name_and_an_erased_or_unknown_one_by_its_id()
    {
        var names = new PeopleNames(new Dictionary<string, string> { ["user:olivia"] = "Olivia Owner" });

        Assert.Equal("Olivia Owner", names.Of(new Actor("user:olivia", Roles.ModelOwner)));
        Assert.Equal("user:erased-person", names.Of("user:erased-person"));
        Assert.Equal("client:ci", PeopleNames.None.Of("client:ci"));
        Assert.Null(names.Of((Actor?)null));
    }
}
