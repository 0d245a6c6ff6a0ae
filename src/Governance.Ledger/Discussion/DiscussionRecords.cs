using Governance.Domain.Discussion;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Discussion;

/// <summary>Each approval's discussion as a document, folded inline with the domain's <see cref="ApprovalDiscussion.Evolve"/>.</summary>
public sealed class ApprovalDiscussionProjection : SingleStreamProjection<ApprovalDiscussion, string>
{
    public ApprovalDiscussionProjection()
    {
        IncludeType<CommentPosted>();
    }

    public override ApprovalDiscussion? Evolve(ApprovalDiscussion? snapshot, string id, IEvent e) =>
        ApprovalDiscussion.Evolve(snapshot, e.Data);
}

/// <summary>Discussions on approvals: comments posted through the one write path, never edited, only superseded by their
/// author.</summary>
public sealed class DiscussionRecords(IDocumentStore store, LedgerWriter writer, ApprovalQueries approvals, TimeProvider clock)
{
    /// <summary>Who may comment: the first line (owners), the second (validators, risk officers) and internal audit.</summary>
    public static readonly IReadOnlyList<string> PostRoles = [Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Auditor];

    /// <summary>Posts a comment on approval <paramref name="approvalId"/>, under a new comment id.</summary>
    /// <returns>The discussion after the comment.</returns>
    /// <exception cref="GovernanceRuleException">NotFound (<c>approval.not_found</c>); Forbidden without one of
    /// <see cref="PostRoles"/>; the refusals of <see cref="DiscussionDecisions.Decide"/>.</exception>
    public async Task<Written<ApprovalDiscussion>> PostAsync(string approvalId, PostComment command, CommandCall call, CancellationToken ct)
    {
        var approval = await approvals.GetAsync(approvalId, ct);
        var id = $"comment-{Guid.CreateVersion7(clock.GetUtcNow())}";
        return await writer.DecideAsync<ApprovalDiscussion, ApprovalDiscussion>(
            ApprovalDiscussion.StreamKey(approval.ModelId, approval.Version, approval.Id),
            ApprovalDiscussion.Evolve,
            call,
            PostRoles,
            (discussion, context) => DiscussionDecisions.Decide(command, approval, discussion, id, context),
            w => w.After!,
            ct
        );
    }

    /// <summary>The discussion of an approval; empty when nobody has commented yet.</summary>
    /// <exception cref="GovernanceRuleException">NotFound (<c>approval.not_found</c>).</exception>
    public async Task<ApprovalDiscussion> OfApprovalAsync(string approvalId, CancellationToken ct)
    {
        var approval = await approvals.GetAsync(approvalId, ct);
        var key = ApprovalDiscussion.StreamKey(approval.ModelId, approval.Version, approval.Id);
        await using var session = store.QuerySession();
        return await session.LoadAsync<ApprovalDiscussion>(key, ct)
            ?? new ApprovalDiscussion
            {
                Id = key,
                ModelId = approval.ModelId,
                Version = approval.Version,
                ApprovalId = approval.Id,
            };
    }
}
