using System.Text;
using System.Text.Json;
using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Ledger.Attestations;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Approvals;

/// <summary>
/// Approval decisions on a model version: request, sign-off, rejection, revocation. A sign-off that completes an approval
/// is attested here, in the same transaction, whoever calls it: an approval is never granted without its signed statement.
/// </summary>
public sealed class ApprovalRecords(
    IDocumentStore store,
    LedgerWriter writer,
    AttestationKeyRing keys,
    ApprovalPolicy policy,
    TimeProvider clock
)
{
    public static readonly IReadOnlyList<string> RequestRoles = [Roles.ModelOwner];
    public static readonly IReadOnlyList<string> DecideRoles = [Roles.RiskOfficer];

    /// <summary>The owner asks for approval to use this version's artifact in one environment, for a stated use, optionally
    /// with the post-market monitoring plan and the decision policy the approval is to cover (<see
    /// cref="MonitoringPlanRules"/>).</summary>
    /// <returns>The new approval case, pending.</returns>
    public Task<Written<Approval>> RequestAsync(
        VersionRef target,
        string? environment,
        string? intendedUse,
        string? reason,
        CommandCall call,
        CancellationToken ct,
        MonitoringPlan? monitoringPlan = null,
        DecisionPolicy? decisionPolicy = null
    ) =>
        writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => RequestRoles,
            (model, version, context) =>
                RequestApprovalDecision.Decide(
                    new RequestApproval(Guid.CreateVersion7().ToString(), environment, intendedUse, reason, monitoringPlan, decisionPolicy),
                    model,
                    version,
                    context,
                    policy
                ),
            w => w.After!.FindApproval(((ApprovalRequested)w.Events[0]).ApprovalId)!,
            ct
        );

    /// <summary>
    /// A risk officer signs off, restating the digest and environment signed. When this completes the approval, the signed
    /// in-toto statement (DSSE, ES256) is recorded with it as <see cref="ApprovalAttested"/>.
    /// </summary>
    /// <returns>The approval case after the sign-off (approved and attested when it was the last one required).</returns>
    /// <exception cref="GovernanceRuleException">Segregation of duties, a restated digest or environment that differs, a decided
    /// approval.</exception>
    public async Task<Written<Approval>> SignOffAsync(
        VersionRef target,
        ApproveModelVersion command,
        CommandCall call,
        CancellationToken ct
    )
    {
        var model = await target.ModelAsync(store, ct);
        await using var write = await writer.BeginAsync<ModelVersion>(target.StreamKey, ModelVersion.Evolve, call, DecideRoles, ct);
        if (write.IsReplay)
            return write.Replay<Approval>();
        write.Append(ApproveModelVersionDecision.Decide(command, model, target.Require(write.Before), write.Context));
        if (write.Events.OfType<ModelVersionApproved>().SingleOrDefault() is { } approved)
        {
            var approval = write.After!.FindApproval(approved.ApprovalId)!;
            var statement = ApprovalStatement.For(write.After!, approval, approved, write.Version);
            write.Append(
                await AttestAsync(approval, statement, approved.Audit with { Reason = "Signed attestation of the granted approval" }, ct)
            );
        }
        return await write.CommitAsync(write.After!.FindApproval(command.ApprovalId)!, ct);
    }

    /// <summary>A risk officer rejects an approval request, with reasons.</summary>
    /// <returns>The approval case, rejected.</returns>
    public Task<Written<Approval>> RejectAsync(VersionRef target, RejectApproval command, CommandCall call, CancellationToken ct) =>
        writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => DecideRoles,
            (model, version, context) => Domain.Approvals.ApprovalDecisions.Decide(command, model, version, context),
            w => w.After!.FindApproval(command.ApprovalId)!,
            ct
        );

    /// <summary>A risk officer revokes a granted approval; it allows no deployment from then on.</summary>
    /// <returns>The approval case, revoked.</returns>
    public Task<Written<Approval>> RevokeAsync(VersionRef target, RevokeApproval command, CommandCall call, CancellationToken ct) =>
        writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => DecideRoles,
            (model, version, context) => Domain.Approvals.ApprovalDecisions.Decide(command, model, version, context),
            w => w.After!.FindApproval(command.ApprovalId)!,
            ct
        );

    /// <summary>
    /// Signs a still-valid approval's statement again with the current key (after its key was reported compromised): the
    /// same statement with a new issue time, recorded as a new <see cref="ApprovalAttested"/> that replaces the approval's
    /// attestation digest, so servers holding the old envelope are refused online until they fetch the new one.
    /// </summary>
    /// <returns>The approval case with its new attestation.</returns>
    /// <exception cref="GovernanceRuleException">Forbidden without the Admin role; NotFound; Conflict
    /// (<c>approval.not_active</c>) when the approval is no longer approved and unexpired.</exception>
    public async Task<Written<Approval>> ReattestAsync(
        VersionRef target,
        string approvalId,
        string reason,
        CommandCall call,
        CancellationToken ct
    )
    {
        await using var write = await writer.BeginAsync<ModelVersion>(target.StreamKey, ModelVersion.Evolve, call, ReattestRoles, ct);
        if (write.IsReplay)
            return write.Replay<Approval>();
        var approval =
            target.Require(write.Before).FindApproval(approvalId)
            ?? throw GovernanceRuleException.NotFound(
                "approval.not_found",
                $"No approval {approvalId} on {target.ModelId} {target.Version}."
            );
        if (!approval.IsActiveAt(write.Context.Now) || approval.AttestationEnvelope is null)
            throw GovernanceRuleException.Conflict(
                "approval.not_active",
                $"Approval {approvalId} is {approval.Status} until {approval.ExpiresAt:u}: only a granted, unexpired approval is "
                    + "re-attested."
            );
        var issued = JsonSerializer.Deserialize<Envelope>(approval.AttestationEnvelope, AttestationJson.Options)!;
        var statement = JsonSerializer.Deserialize<Statement>(Convert.FromBase64String(issued.Payload), AttestationJson.Options)!;
        write.Append(await AttestAsync(approval, statement, write.Context.Audit(reason), ct));
        return await write.CommitAsync(write.After!.FindApproval(approvalId)!, ct);
    }

    public static readonly IReadOnlyList<string> ReattestRoles = [Roles.Admin];

    /// <summary>Signs <paramref name="statement"/> with the current key and records the envelope and its digest. The issue time
    /// is read once the signer is open, so that it falls in the window of the key that signs (the first use may make the first
    /// key).</summary>
    private async Task<ApprovalAttested> AttestAsync(Approval approval, Statement statement, Audit audit, CancellationToken ct)
    {
        using var signer = await keys.CurrentSignerAsync(ct);
        var issued = statement with { Predicate = statement.Predicate with { IssuedAt = clock.GetUtcNow() } };
        var envelope = Dsse.Sign(issued, signer);
        return new ApprovalAttested(
            approval.ModelId,
            approval.Version,
            approval.Id,
            approval.Environment,
            approval.ArtifactDigest,
            Dsse.DigestOf(envelope),
            signer.KeyId,
            Encoding.UTF8.GetString(Dsse.Serialize(envelope)),
            audit
        );
    }
}
