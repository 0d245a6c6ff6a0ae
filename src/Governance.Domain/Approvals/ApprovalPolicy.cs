using Governance.Domain.Models;

namespace Governance.Domain.Approvals;

/// <summary>
/// The approval rules that an institution sets by risk tier, passed to the deciders as a value so that an
/// admin-configured policy can replace the defaults without touching any caller. The defaults: two distinct risk
/// officers for a high-risk model (EU AI Act Annex III; SR 26-2 and SS1/23 tiering), one otherwise; a decision due within
/// 5 days of the request for a high-risk model, 10 otherwise.
/// </summary>
/// <param name="HighRiskApprovers">Distinct risk officers a high-risk model's approval needs.</param>
/// <param name="OtherApprovers">Distinct risk officers any other model's approval needs.</param>
/// <param name="HighRiskReviewDays">Days a risk officer has to decide on a high-risk model's request.</param>
/// <param name="OtherReviewDays">Days for any other model's request.</param>
public sealed record ApprovalPolicy(int HighRiskApprovers, int OtherApprovers, int HighRiskReviewDays, int OtherReviewDays)
{
    public static readonly ApprovalPolicy Default = new(2, 1, 5, 10);

    /// <summary>How many distinct risk officers must sign an approval for a model of this tier.</summary>
    public int RequiredApprovals(RiskTier tier) => tier == RiskTier.High ? HighRiskApprovers : OtherApprovers;

    /// <summary>When the decision on a request made at <paramref name="requestedAt"/> is due.</summary>
    public DateTimeOffset ReviewDueBy(RiskTier tier, DateTimeOffset requestedAt) =>
        requestedAt.AddDays(tier == RiskTier.High ? HighRiskReviewDays : OtherReviewDays);
}
