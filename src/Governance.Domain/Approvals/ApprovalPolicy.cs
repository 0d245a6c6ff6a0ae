using Governance.Domain.Models;

namespace Governance.Domain.Approvals;

/// <summary>
/// The approval rules that an institution sets by risk tier, passed to the deciders as a value so that an
/// admin-configured policy can replace the defaults without touching any caller. The defaults: two distinct risk
/// officers for a high-risk model (EU AI Act Annex III; SR 26-2 and SS1/23 tiering), one otherwise; a decision due within
/// 5 days of the request for a high-risk model, 10 otherwise; a post-market monitoring report at least monthly for a
/// high-risk model, quarterly for a medium-risk one and every six months for a low-risk one (EU AI Act Art. 72 asks for
/// monitoring "proportionate to the nature of the AI technologies and the risks"; SR 26-2 and SS1/23 ask for ongoing
/// monitoring whose frequency matches the model's risk; the intervals are this product's defaults, see
/// docs/monitoring-plan.md).
/// </summary>
/// <param name="HighRiskApprovers">Distinct risk officers a high-risk model's approval needs.</param>
/// <param name="OtherApprovers">Distinct risk officers any other model's approval needs.</param>
/// <param name="HighRiskReviewDays">Days a risk officer has to decide on a high-risk model's request.</param>
/// <param name="OtherReviewDays">Days for any other model's request.</param>
/// <param name="HighRiskCadenceDays">Most days between monitoring reports a high-risk model's plan may state.</param>
/// <param name="MediumRiskCadenceDays">The same for a medium-risk model.</param>
/// <param name="LowRiskCadenceDays">The same for a low-risk model.</param>
public sealed record ApprovalPolicy(
    int HighRiskApprovers,
    int OtherApprovers,
    int HighRiskReviewDays,
    int OtherReviewDays,
    int HighRiskCadenceDays = 30,
    int MediumRiskCadenceDays = 90,
    int LowRiskCadenceDays = 180
)
{
    public static readonly ApprovalPolicy Default = new(2, 1, 5, 10);

    /// <summary>How many distinct risk officers must sign an approval for a model of this tier.</summary>
    public int RequiredApprovals(RiskTier tier) => tier == RiskTier.High ? HighRiskApprovers : OtherApprovers;

    /// <summary>When the decision on a request made at <paramref name="requestedAt"/> is due.</summary>
    public DateTimeOffset ReviewDueBy(RiskTier tier, DateTimeOffset requestedAt) =>
        requestedAt.AddDays(tier == RiskTier.High ? HighRiskReviewDays : OtherReviewDays);

    /// <summary>The most days between two monitoring reports a plan for a model of this tier may state.</summary>
    public int MaxMonitoringCadenceDays(RiskTier tier) =>
        tier switch
        {
            RiskTier.High => HighRiskCadenceDays,
            RiskTier.Medium => MediumRiskCadenceDays,
            _ => LowRiskCadenceDays,
        };
}
