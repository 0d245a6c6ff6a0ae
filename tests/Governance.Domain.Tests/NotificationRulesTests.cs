using Governance.Domain.Discussion;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Notifications;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Who is notified of what, at a given time (no clock read, no waiting): reviews awaiting the person, approvals ending
/// within 30 days, findings due within 14 days or overdue, monitoring breaches.</summary>
public sealed class NotificationRulesTests
{
    private static Recipient As(Actor actor, params string[] roles) => new(actor.SubjectId, roles.Length == 0 ? [actor.Role] : roles);

    [Fact]
    public void A_pending_approval_is_a_review_for_an_independent_officer_only()
    {
        var pending = Given(AwaitingApproval());

        var review = Assert.Single(NotificationRules.Reviews(As(OfficerA), [(TheModel, pending)]));
        Assert.Equal(
            ($"review:{ApprovalId}", NotificationKind.ReviewAssigned, $"/approvals/{ApprovalId}"),
            (review.Id, review.Kind, review.Link)
        );
        // The model's owner holding the risk officer role is conflicted: no review for them; nor for an auditor.
        Assert.Empty(NotificationRules.Reviews(As(Owner, Roles.ModelOwner, Roles.RiskOfficer), [(TheModel, pending)]));
        Assert.Empty(NotificationRules.Reviews(As(new Actor("audit-ann", Roles.Auditor)), [(TheModel, pending)]));
        // A submitted version is a review for a validator.
        var submitted = Given(VersionRegistered(), SubmittedEvent());
        Assert.Equal(
            NotificationKind.ReviewAssigned,
            Assert.Single(NotificationRules.Reviews(As(Validator), [(TheModel, submitted)])).Kind
        );
    }

    [Fact]
    public void An_approval_is_announced_within_30_days_of_its_expiry_to_officers_and_the_models_owner()
    {
        var approved = Given(Approved(expiresAt: Day(100)));

        Assert.Empty(NotificationRules.Expiring(As(OfficerB), [(TheModel, approved)], Day(69)));
        var soon = Assert.Single(NotificationRules.Expiring(As(OfficerB), [(TheModel, approved)], Day(71)));
        Assert.Equal(NotificationKind.ApprovalExpiring, soon.Kind);
        Assert.Single(NotificationRules.Expiring(As(Owner), [(TheModel, approved)], Day(71)));
        Assert.Empty(NotificationRules.Expiring(As(Validator), [(TheModel, approved)], Day(71)));
        Assert.Empty(NotificationRules.Expiring(As(OfficerB), [(TheModel, approved)], Day(101)));
    }

    [Fact]
    public void A_finding_due_soon_then_overdue_is_two_notifications_for_its_owner()
    {
        var finding = new ValidationFinding("F-1", FindingSeverity.High, "PSI", null, FindingStatus.Open);
        var track = FindingTrack.Evolve(
            null,
            new FindingAssigned(ModelId, VersionLabel, "F-1", Owner.SubjectId, Day(30), AuditOf(Validator, Day(3)))
        );
        TrackedFinding[] findings = [new(ModelId, VersionLabel, finding, track)];

        Assert.Empty(NotificationRules.FindingsDue(As(Owner), findings, Day(10)));
        var dueSoon = Assert.Single(NotificationRules.FindingsDue(As(Owner), findings, Day(20)));
        var overdue = Assert.Single(NotificationRules.FindingsDue(As(Owner), findings, Day(31)));
        Assert.NotEqual(dueSoon.Id, overdue.Id);
        Assert.Contains("overdue", overdue.Title);
        Assert.Single(NotificationRules.FindingsDue(As(Validator), findings, Day(31)));
        Assert.Empty(NotificationRules.FindingsDue(As(Developer), findings, Day(31)));
    }

    private static readonly BreachingFeature[] Drifting = [new("Duration", DriftStatistic.Psi, 0.31, 0.25)];
    private static readonly Actor Auditor = new("audit-ann", Roles.Auditor);

    /// <summary>An approval granted with a plan that alerts the model's owner by subject id and auditors by role.</summary>
    private static object[] ApprovedWithPlan(BreachAction action)
    {
        var plan = MonitoringPlanTests.Plan(action) with { Alert = [Owner.SubjectId, Roles.Auditor] };
        return [.. Approved().Select(e => e is ApprovalRequested r ? r with { MonitoringPlan = plan } : e)];
    }

    private static object[] Breached(object[] history, string reportId, DateTimeOffset at) =>
        [
            .. history,
            BreachDecisions.Decide(
                new RecordMonitoringBreach($"review-{reportId}", Production, reportId, OtherDigest, Drifting),
                Given(history),
                Ctx(Pipeline, at)
            ),
        ];

    private static Notification[] Breaches(Actor person, object[] history, DateTimeOffset now, params string[] roles) =>
        [.. NotificationRules.Breaches(As(person, roles), [(TheModel, Given(history))], now)];

    [Fact]
    public void An_open_breach_review_reaches_the_plans_alerted_and_the_officers_who_may_resolve_it_each_where_they_act()
    {
        var history = Breached(ApprovedWithPlan(BreachAction.UnderReview), "report-1", Day(20));

        var officer = Assert.Single(Breaches(OfficerB, history, Day(21)));
        Assert.Equal(
            ("breach-review:review-report-1:1", NotificationKind.Breach, $"/approvals/{ApprovalId}#breach-review", Day(20)),
            (officer.Id, officer.Kind, officer.Link, officer.At)
        );
        Assert.Contains("Duration", officer.Title);
        Assert.Contains("under review, awaiting your resolution", officer.Title);
        // Named by subject id, and by role: told, and sent to the monitoring page (they do not resolve it).
        var monitoring = $"/models/{ModelId}/versions/{VersionLabel}/monitoring/{Production}";
        Assert.Equal(monitoring, Assert.Single(Breaches(Owner, history, Day(21))).Link);
        Assert.Equal(monitoring, Assert.Single(Breaches(Auditor, history, Day(21))).Link);
        // Neither named nor an officer who may resolve it: the validator, also when they hold the risk officer role.
        Assert.Empty(Breaches(Validator, history, Day(21)));
        Assert.Empty(Breaches(Validator, history, Day(21), Roles.Validator, Roles.RiskOfficer));

        // A second breaching report joins the open review: a new notification; resolved, nothing stands.
        var again = Breached(history, "report-2", Day(22));
        Assert.Equal("breach-review:review-report-1:2", Assert.Single(Breaches(OfficerB, again, Day(23))).Id);
        var resolved = BreachDecisions.Decide(
            new ResolveBreachReview(ApprovalId, "review-report-1", BreachResolution.Accepted, "Seasonal campaign"),
            TheModel,
            Given(again),
            Ctx(OfficerB, Day(24))
        );
        Assert.Empty(Breaches(OfficerB, [.. again, .. resolved], Day(25)));
        Assert.Empty(Breaches(Owner, [.. again, .. resolved], Day(25)));
    }

    [Fact]
    public void A_warning_breach_stands_until_the_next_report_is_due()
    {
        var history = Breached(ApprovedWithPlan(BreachAction.Warn), "report-1", Day(20));

        var warning = Assert.Single(Breaches(Owner, history, Day(21)));
        Assert.Equal(($"breach:{ApprovalId}:report-1", NotificationKind.Breach), (warning.Id, warning.Kind));
        Assert.Contains("warning recorded", warning.Title);
        Assert.Single(Breaches(OfficerB, history, Day(49)));
        // The plan's cadence is 30 days: by then the next report is due and the warning no longer stands.
        Assert.Empty(Breaches(OfficerB, history, Day(50)));
        // A revoked approval's breaches no longer stand.
        Assert.Empty(Breaches(Owner, [.. history, RevokedEvent(at: Day(21))], Day(21)));
    }

    [Fact]
    public void A_comment_mentioning_a_person_notifies_them_until_superseded_or_30_days_old()
    {
        CommentPosted Posted(string id, Actor author, double day, string text, string? supersedes = null, params string[] mentions) =>
            new(ModelId, VersionLabel, ApprovalId, id, text, mentions, supersedes, AuditOf(author, Day(day)));
        ApprovalDiscussion? Discuss(params CommentPosted[] comments) =>
            comments.Aggregate((ApprovalDiscussion?)null, ApprovalDiscussion.Evolve);
        var text = "Approved with Rita's conditions;\nplease schedule the first PSI report before the quarter closes, with the owner.";
        var discussion = Discuss(Posted("c-1", OfficerB, 10, text, null, OfficerA.SubjectId, OfficerB.SubjectId))!;

        var mention = Assert.Single(NotificationRules.Mentions(As(OfficerA), [discussion], Day(11)));
        Assert.Equal(
            ("mention:c-1", NotificationKind.Mentioned, $"/approvals/{ApprovalId}#discussion", Day(10)),
            (mention.Id, mention.Kind, mention.Link, mention.At)
        );
        Assert.Equal(
            $"You were mentioned on the approval of {ModelId} {VersionLabel}: "
                + "\"Approved with Rita's conditions; please schedule the first PSI report before ...\"",
            mention.Title
        );
        // Not the author mentioning themself, not someone not mentioned, and not after 30 days.
        Assert.Empty(NotificationRules.Mentions(As(OfficerB), [discussion], Day(11)));
        Assert.Empty(NotificationRules.Mentions(As(Owner), [discussion], Day(11)));
        Assert.Empty(NotificationRules.Mentions(As(OfficerA), [discussion], Day(40)));
        // Superseded by a correction that no longer names Rita: nothing stands; one that still names her is a new notification.
        var withdrawn = Discuss(
            Posted("c-1", OfficerB, 10, text, null, OfficerA.SubjectId),
            Posted("c-2", OfficerB, 12, "Withdrawn.", "c-1")
        )!;
        Assert.Empty(NotificationRules.Mentions(As(OfficerA), [withdrawn], Day(13)));
        var corrected = Discuss(
            Posted("c-1", OfficerB, 10, text, null, OfficerA.SubjectId),
            Posted("c-2", OfficerB, 12, "Corrected: the PSI report is due monthly.", "c-1", OfficerA.SubjectId)
        )!;
        Assert.Equal("mention:c-2", Assert.Single(NotificationRules.Mentions(As(OfficerA), [corrected], Day(13))).Id);
    }
}
