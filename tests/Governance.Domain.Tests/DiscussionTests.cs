using Governance.Domain.Approvals;
using Governance.Domain.Discussion;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Discussions on approvals: a comment is never edited, only superseded by its own author, and both stay.</summary>
public sealed class DiscussionTests
{
    private static Approval TheApproval => Given(AwaitingApproval()).FindApproval(ApprovalId)!;

    private static ApprovalDiscussion? GivenDiscussion(params object[] events) =>
        events.Aggregate((ApprovalDiscussion?)null, ApprovalDiscussion.Evolve);

    private static CommentPosted Posted(string id, Actor author, string text = "Why is PSI not monitored?", string? supersedes = null) =>
        new(ModelId, VersionLabel, ApprovalId, id, text, [], supersedes, AuditOf(author, Day(2)));

    [Fact]
    public void A_comment_is_posted_with_its_author_mentions_and_the_approval_it_is_about()
    {
        var posted = DiscussionDecisions.Decide(
            new PostComment("  Is the PSI threshold agreed?  ", [Validator.SubjectId, Validator.SubjectId], null),
            TheApproval,
            null,
            "comment-1",
            Ctx(OfficerA)
        );

        Assert.Equal(
            new CommentPosted(
                ModelId,
                VersionLabel,
                ApprovalId,
                "comment-1",
                "Is the PSI threshold agreed?",
                posted.Mentions,
                null,
                new Audit(OfficerA, Day(10), $"Comment on approval {ApprovalId}", CorrelationId)
            ),
            posted
        );
        Assert.Equal([Validator.SubjectId], posted.Mentions);
    }

    [Fact]
    public void Its_author_supersedes_a_comment_and_the_discussion_keeps_both()
    {
        var discussion = GivenDiscussion(Posted("comment-1", OfficerA));

        var correction = DiscussionDecisions.Decide(
            new PostComment("Why is PSI not monitored monthly?", null, "comment-1"),
            TheApproval,
            discussion,
            "comment-2",
            Ctx(OfficerA)
        );
        var after = ApprovalDiscussion.Evolve(discussion, correction)!;

        Assert.Equal(["comment-1", "comment-2"], after.Comments.Select(c => c.Id));
        Assert.Equal("comment-2", after.Comments[0].SupersededBy);
        Assert.Equal("Why is PSI not monitored?", after.Comments[0].Text);
        Assert.Equal(["comment-2"], after.Current.Select(c => c.Id));
    }

    [Fact]
    public void Nobody_supersedes_someone_elses_comment_nor_one_already_superseded_nor_one_that_is_not_there()
    {
        var discussion = GivenDiscussion(Posted("comment-1", OfficerA), Posted("comment-2", OfficerA, supersedes: "comment-1"));

        Refused(
            () => DiscussionDecisions.Decide(new PostComment("No.", null, "comment-2"), TheApproval, discussion, "c-3", Ctx(OfficerB)),
            RuleKind.Forbidden,
            "comment.not_author"
        );
        Refused(
            () => DiscussionDecisions.Decide(new PostComment("Again.", null, "comment-1"), TheApproval, discussion, "c-3", Ctx(OfficerA)),
            RuleKind.Conflict,
            "comment.already_superseded"
        );
        Refused(
            () => DiscussionDecisions.Decide(new PostComment("Hm.", null, "comment-9"), TheApproval, discussion, "c-3", Ctx(OfficerA)),
            RuleKind.NotFound,
            "comment.not_found"
        );
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    [InlineData("text with a NUL \0 in it")]
    public void A_comment_without_readable_text_is_refused_naming_the_field(string? text)
    {
        var refused = Refused(
            () => DiscussionDecisions.Decide(new PostComment(text, null, null), TheApproval, null, "c-1", Ctx(OfficerA)),
            RuleKind.InvalidInput,
            "invalid_input"
        );
        Assert.Equal("text", Assert.Single(refused.FieldErrors).Key);
    }
}
