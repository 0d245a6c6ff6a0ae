using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Findings as tracked items: given the tracking events so far, when a command is decided, then the whole event, or the
/// refusal. The owner remediates; only an independent validator closes.</summary>
public sealed class FindingTrackingTests
{
    private const string FindingId = "F-1";
    private static readonly Actor FindingOwner = Developer;
    private static readonly Actor SecondValidator = new("val-vera", Roles.Validator);

    private static readonly ValidationFinding Open = new(FindingId, FindingSeverity.High, "PSI not monitored", null, FindingStatus.Open);
    private static readonly ValidationFinding Accepted = new("F-2", FindingSeverity.Low, "Naming", null, FindingStatus.Accepted);

    /// <summary>A validated version whose validation recorded <see cref="Open"/> and <see cref="Accepted"/>.</summary>
    private static ModelVersion TheVersion =>
        Given(
            VersionRegistered(),
            SubmittedEvent(),
            new ValidationCompleted(
                ModelId,
                VersionLabel,
                ValidationOutcome.PassedWithConditions,
                [Open, Accepted],
                AuditOf(Validator, Day(2))
            )
        );

    private static FindingTrack? GivenTrack(params object[] events) => events.Aggregate((FindingTrack?)null, FindingTrack.Evolve);

    private static FindingAssigned AssignedEvent(Actor? owner = null) =>
        new(ModelId, VersionLabel, FindingId, (owner ?? FindingOwner).SubjectId, Day(30), AuditOf(Validator, Day(3)));

    private static FindingRemediationProposed ProposedEvent(Actor? by = null) =>
        new(ModelId, VersionLabel, FindingId, "PSI added to the monitoring plan", null, null, AuditOf(by ?? FindingOwner, Day(5)));

    [Fact]
    public void A_validator_assigns_a_finding_an_owner_and_a_due_date()
    {
        var context = Ctx(Validator);
        var assigned = FindingDecisions.Decide(
            new AssignFinding($" {FindingOwner.SubjectId} ", Day(30), null),
            TheVersion,
            FindingId,
            null,
            context
        );

        Assert.Equal(
            new FindingAssigned(
                ModelId,
                VersionLabel,
                FindingId,
                FindingOwner.SubjectId,
                Day(30),
                new Audit(Validator, Day(10), $"Finding F-1 assigned to {FindingOwner.SubjectId}", CorrelationId)
            ),
            assigned
        );
        var track = GivenTrack(assigned)!;
        Assert.Equal((TrackedFindingStatus.Open, FindingOwner.SubjectId, Day(30)), (track.Status, track.OwnerId, track.DueAt));
        Assert.Equal(FindingTrack.StreamKey(ModelId, VersionLabel, FindingId), track.Id);
    }

    [Fact]
    public void An_assignment_needs_an_owner_and_a_due_date_in_the_future()
    {
        InvalidField(
            () => FindingDecisions.Decide(new AssignFinding(null, Day(30), null), TheVersion, FindingId, null, Ctx(Validator)),
            "ownerId"
        );
        InvalidField(
            () => FindingDecisions.Decide(new AssignFinding("x", null, null), TheVersion, FindingId, null, Ctx(Validator)),
            "dueAt"
        );
        InvalidField(
            () => FindingDecisions.Decide(new AssignFinding("x", Day(9), null), TheVersion, FindingId, null, Ctx(Validator)),
            "dueAt"
        );
    }

    [Fact]
    public void An_unknown_finding_or_one_the_validator_recorded_as_accepted_cannot_be_assigned()
    {
        Refused(
            () => FindingDecisions.Decide(new AssignFinding("x", Day(30), null), TheVersion, "F-9", null, Ctx(Validator)),
            RuleKind.NotFound,
            "finding.not_found"
        );
        Refused(
            () => FindingDecisions.Decide(new AssignFinding("x", Day(30), null), TheVersion, "F-2", null, Ctx(Validator)),
            RuleKind.Conflict,
            "finding.closed"
        );
    }

    [Fact]
    public void The_owner_proposes_a_remediation_with_evidence_and_a_digest()
    {
        var track = GivenTrack(AssignedEvent());
        var digest = "SHA256:" + new string('E', 64);

        var proposed = FindingDecisions.Decide(
            new ProposeRemediation(" PSI added ", "https://wiki.example/psi", digest),
            TheModel,
            TheVersion,
            FindingId,
            track,
            Ctx(FindingOwner)
        );

        Assert.Equal(
            new FindingRemediationProposed(
                ModelId,
                VersionLabel,
                FindingId,
                "PSI added",
                "https://wiki.example/psi",
                "sha256:" + new string('e', 64),
                new Audit(FindingOwner, Day(10), "Remediation of finding F-1 proposed", CorrelationId)
            ),
            proposed
        );
        Assert.Equal(TrackedFindingStatus.RemediationProposed, FindingTrack.Evolve(track, proposed)!.Status);
    }

    [Fact]
    public void A_remediation_needs_evidence_an_assigned_finding_and_the_owner()
    {
        var track = GivenTrack(AssignedEvent(owner: Owner));
        InvalidField(
            () => FindingDecisions.Decide(new ProposeRemediation(" ", null, null), TheModel, TheVersion, FindingId, track, Ctx(Owner)),
            "evidence"
        );
        InvalidField(
            () =>
                FindingDecisions.Decide(
                    new ProposeRemediation("x", "not a uri", "sha256:zz"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    track,
                    Ctx(Owner)
                ),
            "evidenceDigest"
        );
        Refused(
            () => FindingDecisions.Decide(new ProposeRemediation("x", null, null), TheModel, TheVersion, FindingId, null, Ctx(Owner)),
            RuleKind.Conflict,
            "finding.not_assigned"
        );
        var stranger = new Actor("owner-otto", Roles.ModelOwner);
        Refused(
            () => FindingDecisions.Decide(new ProposeRemediation("x", null, null), TheModel, TheVersion, FindingId, track, Ctx(stranger)),
            RuleKind.Forbidden,
            "finding.not_owner"
        );
    }

    [Fact]
    public void An_independent_validator_closes_a_remediated_finding()
    {
        var track = GivenTrack(AssignedEvent(), ProposedEvent());

        var closed = FindingDecisions.Decide(
            new CloseFinding(FindingResolution.Remediated, "Evidence reviewed: PSI monthly"),
            TheModel,
            TheVersion,
            FindingId,
            track,
            Ctx(SecondValidator)
        );

        Assert.Equal(
            new FindingClosed(
                ModelId,
                VersionLabel,
                FindingId,
                FindingResolution.Remediated,
                new Audit(SecondValidator, Day(10), "Evidence reviewed: PSI monthly", CorrelationId)
            ),
            closed
        );
        var after = FindingTrack.Evolve(track, closed)!;
        Assert.Equal((TrackedFindingStatus.Closed, FindingResolution.Remediated), (after.Status, after.Resolution));
        Assert.Equal(
            ["Assigned to dev-dana, due 2025-04-02", "Remediation proposed", "Closed: remediated"],
            after.History.Select(h => h.What)
        );
        Refused(
            () =>
                FindingDecisions.Decide(
                    new CloseFinding(FindingResolution.RiskAccepted, "again"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    after,
                    Ctx(Validator)
                ),
            RuleKind.Conflict,
            "finding.closed"
        );
    }

    [Fact]
    public void The_finding_owner_cannot_close_their_own_finding()
    {
        // A validator who owns the finding (assigned to them) still cannot judge it: segregation of duties.
        var track = GivenTrack(AssignedEvent(owner: SecondValidator), ProposedEvent(by: Owner));
        Refused(
            () =>
                FindingDecisions.Decide(
                    new CloseFinding(FindingResolution.Remediated, "done"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    track,
                    Ctx(SecondValidator)
                ),
            RuleKind.Forbidden,
            "segregation_of_duties.finding_owner"
        );
    }

    [Fact]
    public void The_models_first_line_and_the_proposer_cannot_judge_the_remediation()
    {
        var byValidator = GivenTrack(AssignedEvent(), ProposedEvent(by: SecondValidator));
        Refused(
            () =>
                FindingDecisions.Decide(
                    new CloseFinding(FindingResolution.Remediated, "ok"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    byValidator,
                    Ctx(SecondValidator)
                ),
            RuleKind.Forbidden,
            "segregation_of_duties.remediation_proposer"
        );
        var track = GivenTrack(AssignedEvent(owner: SecondValidator), ProposedEvent(by: SecondValidator));
        var ownerAsValidator = Owner with { Role = Roles.Validator };
        Refused(
            () => FindingDecisions.Decide(new RejectRemediation("weak"), TheModel, TheVersion, FindingId, track, Ctx(ownerAsValidator)),
            RuleKind.Forbidden,
            "segregation_of_duties.validator_is_model_owner"
        );
        Refused(
            () =>
                FindingDecisions.Decide(
                    new CloseFinding(FindingResolution.RiskAccepted, "ok"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    track,
                    Ctx(Requester with { Role = Roles.Validator })
                ),
            RuleKind.Forbidden,
            "segregation_of_duties.validator_is_delegate"
        );
    }

    [Fact]
    public void Remediated_needs_a_proposal_and_a_rejected_one_reopens_the_finding()
    {
        var assigned = GivenTrack(AssignedEvent());
        Refused(
            () =>
                FindingDecisions.Decide(
                    new CloseFinding(FindingResolution.Remediated, "ok"),
                    TheModel,
                    TheVersion,
                    FindingId,
                    assigned,
                    Ctx(Validator)
                ),
            RuleKind.Conflict,
            "finding.no_remediation_proposed"
        );
        InvalidField(
            () => FindingDecisions.Decide(new CloseFinding(null, "ok"), TheModel, TheVersion, FindingId, assigned, Ctx(Validator)),
            "resolution"
        );

        var proposed = FindingTrack.Evolve(assigned, ProposedEvent())!;
        var rejected = FindingDecisions.Decide(
            new RejectRemediation("Only quarterly"),
            TheModel,
            TheVersion,
            FindingId,
            proposed,
            Ctx(Validator)
        );
        Assert.Equal(
            new FindingRemediationRejected(
                ModelId,
                VersionLabel,
                FindingId,
                new Audit(Validator, Day(10), "Only quarterly", CorrelationId)
            ),
            rejected
        );
        Assert.Equal(TrackedFindingStatus.Open, FindingTrack.Evolve(proposed, rejected)!.Status);
    }

    [Fact]
    public void Due_state_is_judged_against_the_given_time()
    {
        var track = GivenTrack(AssignedEvent())!; // due on day 30
        Assert.Equal(FindingDueState.OnTime, track.DueStateAt(Day(10)));
        Assert.Equal(FindingDueState.DueSoon, track.DueStateAt(Day(16)));
        Assert.Equal(FindingDueState.Overdue, track.DueStateAt(Day(30.01)));
        Assert.Equal(FindingDueState.NoDueDate, new TrackedFinding(ModelId, VersionLabel, Open, null).DueStateAt(Day(40)));
        Assert.Equal(TrackedFindingStatus.Closed, new TrackedFinding(ModelId, VersionLabel, Accepted, null).Status);
    }
}
