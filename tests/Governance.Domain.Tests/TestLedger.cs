using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Domain.Tests;

/// <summary>
/// Given-style builder: states are built only by folding real ledger events through the domain's Evolve functions.
/// The event helpers state facts (who did what, when); they deliberately do not call the Decide functions under test.
/// </summary>
internal static class TestLedger
{
    public const string ModelId = "credit-scoring";
    public const string VersionLabel = "1.0.0";
    public const string Production = "production";
    public const string Staging = "staging";
    public const string ApprovalId = "apr-prod-1";
    public const string CorrelationId = "corr-4711";

    public static readonly string ArtifactDigest = "sha256:" + new string('a', 64);
    public static readonly string OtherDigest = "sha256:" + new string('b', 64);
    public static readonly string TrainingDigest = "sha256:" + new string('c', 64);
    public static readonly string ValidationDigest = "sha256:" + new string('d', 64);

    // People. Owner, developer (registrant), validator and risk officers are all different subjects, so each
    // segregation-of-duties rule can be exercised on its own without another rule catching the same actor.
    public static readonly Actor Owner = new("owner-ola", Roles.ModelOwner);
    public static readonly Actor Developer = new("dev-dana", Roles.ModelOwner);
    public static readonly Actor Requester = new("delegate-devi", Roles.ModelOwner);
    public static readonly Actor Validator = new("val-vic", Roles.Validator);
    public static readonly Actor OfficerA = new("risk-rita", Roles.RiskOfficer);
    public static readonly Actor OfficerB = new("risk-raj", Roles.RiskOfficer);
    public static readonly Actor Pipeline = new("svc-deployer", Roles.DeploymentPipeline, "ci-client");

    /// <summary>Day 0 of every scenario; events happen on later days.</summary>
    public static readonly DateTimeOffset T0 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset Day(double n) => T0.AddDays(n);

    /// <summary>Default expiry officers give: well after every "now" used in the tests.</summary>
    public static readonly DateTimeOffset DefaultExpiry = Day(180);

    public static CommandContext Ctx(Actor actor, DateTimeOffset? now = null, string correlationId = CorrelationId) =>
        new(actor, now ?? Day(10), correlationId);

    public static Audit AuditOf(Actor actor, DateTimeOffset at, string reason = "because") => new(actor, at, reason, "corr-earlier");

    /// <summary>The model of every scenario: owned by <see cref="Owner"/>, who named <see cref="Developer"/> and
    /// <see cref="Requester"/> delegates (they register versions and request approvals for the owner).</summary>
    public static Model TheModel => GivenModel([ModelRegisteredEvent(), .. DelegatesNamed]);

    /// <summary>The owner naming <see cref="Developer"/> and <see cref="Requester"/> delegates.</summary>
    public static object[] DelegatesNamed =>
        [
            new ModelDelegateAdded(ModelId, Developer.SubjectId, AuditOf(Owner, T0)),
            new ModelDelegateAdded(ModelId, Requester.SubjectId, AuditOf(Owner, T0)),
        ];

    // ---- folding -------------------------------------------------------------------------------------------

    public static ModelVersion Given(params object[] events)
    {
        ModelVersion? state = null;
        foreach (var e in events)
            state = ModelVersion.Evolve(state, e);
        return state ?? throw new InvalidOperationException("The events did not register a model version.");
    }

    public static Model GivenModel(params object[] events)
    {
        Model? state = null;
        foreach (var e in events)
            state = Model.Evolve(state, e);
        return state ?? throw new InvalidOperationException("The events did not register a model.");
    }

    public static Dataset GivenDataset(params object[] events)
    {
        Dataset? state = null;
        foreach (var e in events)
            state = Dataset.Evolve(state, e);
        return state ?? throw new InvalidOperationException("The events did not register a dataset.");
    }

    // ---- single events ---------------------------------------------------------------------------------------

    public static ModelRegistered ModelRegisteredEvent(RiskTier tier = RiskTier.High, Actor? owner = null) =>
        new(
            ModelId,
            "Credit scoring",
            (owner ?? Owner).SubjectId,
            "Retail credit decisions",
            tier,
            tier == RiskTier.High ? "Annex III 5(b) creditworthiness assessment" : null,
            ["EU", "DE"],
            AuditOf(owner ?? Owner, T0)
        );

    public static ModelRetired ModelRetiredEvent(DateTimeOffset? at = null) => new(ModelId, AuditOf(Owner, at ?? Day(1), "Replaced"));

    public static ModelVersionRegistered VersionRegistered(
        RiskTier tier = RiskTier.High,
        Actor? registeredBy = null,
        Actor? owner = null
    ) =>
        new(
            ModelId,
            VersionLabel,
            "s3://models/credit-scoring/1.0.0/model.zip",
            ArtifactDigest,
            4096,
            ArtifactFormat.MlNetZip,
            TrainingDigest,
            ValidationDigest,
            new Dictionary<string, double> { ["auc"] = 0.81 },
            "0123abc",
            new Dictionary<string, string> { ["trees"] = "100" },
            tier,
            (owner ?? Owner).SubjectId,
            AuditOf(registeredBy ?? Developer, T0)
        );

    public static SubmittedForValidation SubmittedEvent(DateTimeOffset? at = null) =>
        new(ModelId, VersionLabel, "Backtest and fairness review", null, null, AuditOf(Owner, at ?? Day(1)));

    public static ValidationCompleted ValidationCompletedEvent(
        ValidationOutcome outcome = ValidationOutcome.Passed,
        DateTimeOffset? at = null
    ) => new(ModelId, VersionLabel, outcome, [], AuditOf(Validator, at ?? Day(2), "Independent opinion"));

    public static ApprovalRequested RequestedEvent(
        RiskTier tier = RiskTier.High,
        string approvalId = ApprovalId,
        string environment = Production,
        Actor? requestedBy = null,
        DateTimeOffset? at = null
    ) =>
        new(
            ModelId,
            VersionLabel,
            approvalId,
            environment,
            "Score retail applications",
            ArtifactDigest,
            tier == RiskTier.High ? 2 : 1,
            AuditOf(requestedBy ?? Owner, at ?? Day(3), "Approval requested")
        );

    public static ApprovalSignedOff SignedOffEvent(
        Actor officer,
        DateTimeOffset at,
        DateTimeOffset? expiresAt = null,
        string approvalId = ApprovalId,
        string environment = Production,
        params string[] conditions
    ) =>
        new(
            ModelId,
            VersionLabel,
            approvalId,
            environment,
            ArtifactDigest,
            conditions,
            expiresAt ?? DefaultExpiry,
            AuditOf(officer, at, "Looks sound")
        );

    public static ModelVersionApproved ApprovedEvent(
        IReadOnlyList<Actor> officers,
        DateTimeOffset at,
        DateTimeOffset? expiresAt = null,
        string approvalId = ApprovalId,
        string environment = Production
    ) =>
        new(
            ModelId,
            VersionLabel,
            approvalId,
            environment,
            ArtifactDigest,
            officers.Select(o => new Approver(o, at, "Looks sound")).ToArray(),
            [],
            expiresAt ?? DefaultExpiry,
            AuditOf(officers[^1], at, "All approvals recorded")
        );

    public static ApprovalRejected RejectedEvent(
        string approvalId = ApprovalId,
        string environment = Production,
        DateTimeOffset? at = null
    ) => new(ModelId, VersionLabel, approvalId, environment, AuditOf(OfficerA, at ?? Day(4), "Fairness gaps"));

    public static ApprovalRevoked RevokedEvent(
        string approvalId = ApprovalId,
        string environment = Production,
        DateTimeOffset? at = null
    ) => new(ModelId, VersionLabel, approvalId, environment, ArtifactDigest, AuditOf(OfficerA, at ?? Day(8), "Drift detected"));

    public static ModelVersionDeployed DeployedEvent(
        string environment = Production,
        string approvalId = ApprovalId,
        DateTimeOffset? at = null
    ) =>
        new(
            ModelId,
            VersionLabel,
            environment,
            "run-1",
            ArtifactDigest,
            approvalId,
            AuditOf(Pipeline, at ?? Day(7), "Deployed by pipeline")
        );

    public static DeploymentRolledBack RolledBackEvent(string environment = Production, DateTimeOffset? at = null) =>
        new(ModelId, VersionLabel, environment, "run-2", AuditOf(Pipeline, at ?? Day(9), "Latency regression"));

    public static DeploymentRefused RefusedEvent(string environment = Production, DateTimeOffset? at = null) =>
        new(
            ModelId,
            VersionLabel,
            environment,
            "run-x",
            OtherDigest,
            [new DenialReason("digest_mismatch", "no")],
            AuditOf(Pipeline, at ?? Day(6))
        );

    public static ModelVersionRetired VersionRetiredEvent(DateTimeOffset? at = null) =>
        new(ModelId, VersionLabel, AuditOf(Owner, at ?? Day(9), "Superseded by 2.0.0"));

    // ---- scenarios (event histories) --------------------------------------------------------------------------

    public static object[] Registered(RiskTier tier = RiskTier.High) => [VersionRegistered(tier)];

    public static object[] Validated(RiskTier tier = RiskTier.High, ValidationOutcome outcome = ValidationOutcome.Passed) =>
        [VersionRegistered(tier), SubmittedEvent(), ValidationCompletedEvent(outcome)];

    public static object[] AwaitingApproval(RiskTier tier = RiskTier.High, string environment = Production, Actor? requestedBy = null) =>
        [.. Validated(tier), RequestedEvent(tier, environment: environment, requestedBy: requestedBy)];

    /// <summary>An approval granted for <paramref name="environment"/>: two officers for High risk, one otherwise.</summary>
    public static object[] Approved(RiskTier tier = RiskTier.High, string environment = Production, DateTimeOffset? expiresAt = null)
    {
        Actor[] officers = tier == RiskTier.High ? [OfficerA, OfficerB] : [OfficerA];
        var signOffs = officers.Select((o, i) => (object)SignedOffEvent(o, Day(4 + i), expiresAt, environment: environment)).ToArray();
        return
        [
            .. AwaitingApproval(tier, environment),
            .. signOffs,
            ApprovedEvent(officers, Day(4 + officers.Length - 1), expiresAt, environment: environment),
        ];
    }

    // ---- commands ---------------------------------------------------------------------------------------------

    public static ApproveModelVersion Approve(
        string? digest = null,
        string? environment = Production,
        DateTimeOffset? expiresAt = null,
        string approvalId = ApprovalId,
        params string[] conditions
    ) =>
        new(
            approvalId,
            digest ?? ArtifactDigest,
            environment,
            "Reviewed validation report and monitoring plan",
            conditions,
            expiresAt ?? DefaultExpiry
        );

    /// <summary>A registered one-file dataset whose manifest digest is <paramref name="digest"/>.</summary>
    public static Dataset DatasetWithDigest(string digest) =>
        GivenDataset(
            new DatasetRegistered(
                "dataset:x@1",
                "x",
                "1",
                null,
                [new DatasetFile("x.csv", "sha256:" + new string('e', 64), 1)],
                digest,
                FileManifest.Encoding,
                1,
                [new DatasetColumn("a", "int")],
                false,
                null,
                AuditOf(Developer, T0)
            )
        );

    // ---- assertions -------------------------------------------------------------------------------------------

    public static GovernanceRuleException Refused(Func<object> decide, RuleKind kind, string code)
    {
        var ex = Assert.Throws<GovernanceRuleException>(decide);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(code, ex.Code);
        return ex;
    }

    /// <summary>Refused as invalid input, naming <paramref name="field"/> among the offending fields.</summary>
    public static GovernanceRuleException InvalidField(Func<object> decide, string field)
    {
        var ex = Refused(decide, RuleKind.InvalidInput, "invalid_input");
        Assert.True(
            ex.FieldErrors.ContainsKey(field),
            $"Expected a field error for '{field}', got: {string.Join(", ", ex.FieldErrors.Keys)}"
        );
        Assert.NotEmpty(ex.FieldErrors[field]);
        return ex;
    }

    public static void AssertAudit(ILedgerEvent e, CommandContext context, string reason) =>
        Assert.Equal(new Audit(context.Actor, context.Now, reason, context.CorrelationId), e.Audit);
}
