using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Discussion;

/// <summary>
/// A person comments on an approval's discussion, optionally naming people to draw in (<paramref name="Mentions"/>, subject
/// ids). A comment is never edited or deleted: to correct or withdraw one, its author posts again naming it in
/// <paramref name="Supersedes"/>, and the ledger keeps both.
/// </summary>
public sealed record PostComment(string? Text, IReadOnlyList<string>? Mentions, string? Supersedes);

/// <summary>A comment on approval <paramref name="ApprovalId"/>; <paramref name="Supersedes"/> names the author's earlier comment it
/// replaces, if any.</summary>
public sealed record CommentPosted(
    string ModelId,
    string Version,
    string ApprovalId,
    string CommentId,
    string Text,
    IReadOnlyList<string> Mentions,
    string? Supersedes,
    Audit Audit
) : ILedgerEvent;

/// <summary>One comment as the discussion shows it; <paramref name="SupersededBy"/> is set once its author replaced it.</summary>
public sealed record Comment(
    string Id,
    string Text,
    IReadOnlyList<string> Mentions,
    Actor Author,
    DateTimeOffset At,
    string? Supersedes,
    string? SupersededBy
);

/// <summary>
/// The discussion of one approval: every comment in the order posted, superseded ones included (marked). Kept on a stream of
/// its own (<see cref="StreamKey"/>), under the version's stream key so the model's timeline and transparency log include it,
/// while the version's stream, its ETag and the approval lookup do not move when people talk.
/// </summary>
public sealed record ApprovalDiscussion
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string ApprovalId { get; init; }
    public IReadOnlyList<Comment> Comments { get; init; } = [];

    /// <summary>The comments that stand (not superseded), in the order posted.</summary>
    public IReadOnlyList<Comment> Current => Comments.Where(c => c.SupersededBy is null).ToArray();

    /// <summary>The discussion's stream: <c>{model}@{version}#discussion-{approval}</c>.</summary>
    public static string StreamKey(string modelId, string version, string approvalId) =>
        $"{ModelVersion.StreamKey(modelId, version)}#discussion-{approvalId}";

    public static ApprovalDiscussion? Evolve(ApprovalDiscussion? state, object @event)
    {
        if (@event is not CommentPosted c)
            return state;
        var discussion =
            state
            ?? new ApprovalDiscussion
            {
                Id = StreamKey(c.ModelId, c.Version, c.ApprovalId),
                ModelId = c.ModelId,
                Version = c.Version,
                ApprovalId = c.ApprovalId,
            };
        return discussion with
        {
            Comments =
            [
                .. discussion.Comments.Select(x => x.Id == c.Supersedes ? x with { SupersededBy = c.CommentId } : x),
                new Comment(c.CommentId, c.Text, c.Mentions, c.Audit.Actor, c.Audit.At, c.Supersedes, null),
            ],
        };
    }
}

/// <summary>Who may speak in a discussion and what a comment may hold.</summary>
public static class DiscussionDecisions
{
    public const int MaxText = 10_000;
    public const int MaxMentions = 20;

    /// <summary>Posts <paramref name="command"/> as comment <paramref name="commentId"/> on <paramref name="approval"/>.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (text required, at most <see cref="MaxText"/> characters; at most
    /// <see cref="MaxMentions"/> mentions); NotFound (<c>comment.not_found</c>) when the superseded comment is not in this discussion;
    /// Forbidden (<c>comment.not_author</c>) when it is someone else's; Conflict (<c>comment.already_superseded</c>).</exception>
    public static CommentPosted Decide(
        PostComment command,
        Approval approval,
        ApprovalDiscussion? discussion,
        string commentId,
        CommandContext context
    )
    {
        var mentions = command.Mentions ?? [];
        var check = new InputCheck()
            .Required(command.Text, "text", MaxText, multiline: true)
            .MaxItems(mentions, "mentions", MaxMentions)
            .Optional(command.Supersedes, "supersedes", 200);
        for (var i = 0; i < mentions.Count; i++)
            check.Required(mentions[i], $"mentions[{i}]", 200);
        check.ThrowIfAny();
        if (command.Supersedes is { } earlier)
        {
            var target =
                discussion?.Comments.FirstOrDefault(c => c.Id == earlier)
                ?? throw GovernanceRuleException.NotFound(
                    "comment.not_found",
                    $"Approval {approval.Id} has no comment {earlier} to supersede."
                );
            if (target.Author.SubjectId != context.Actor.SubjectId)
                throw GovernanceRuleException.Forbidden("comment.not_author", "Only a comment's author can supersede it.");
            if (target.SupersededBy is not null)
                throw GovernanceRuleException.Conflict(
                    "comment.already_superseded",
                    $"Comment {earlier} was already superseded by {target.SupersededBy}."
                );
        }
        return new CommentPosted(
            approval.ModelId,
            approval.Version,
            approval.Id,
            commentId,
            command.Text!.Trim(),
            mentions.Select(m => m!.Trim()).Distinct(StringComparer.Ordinal).ToArray(),
            command.Supersedes,
            context.Audit(command.Supersedes is null ? $"Comment on approval {approval.Id}" : $"Supersedes {command.Supersedes}")
        );
    }
}
