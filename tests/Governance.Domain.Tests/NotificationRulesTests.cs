using Governance.Domain.Notifications;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Who is notified of what, at a given time (no clock read, no waiting): reviews awaiting the person, approvals ending
/// within 30 days, findings due within 14 days or overdue.</summary>
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
}
