using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Deployments;

/// <summary>A model server reports the outcome of loading an artifact: loaded (after verification) or refused, with the reason
/// code.</summary>
public sealed record RecordLoad(
    string? Environment,
    string? Host,
    string? ArtifactDigest,
    bool? Loaded,
    string? ApprovalId,
    string? ReasonCode,
    string? Reason
);

/// <summary>The fields every model server's report carries, checked alike for loads and verifications.</summary>
public static class ServingReportCheck
{
    /// <summary>The longest host name a model server may report.</summary>
    public const int MaxHostLength = 200;

    /// <summary>Checks the environment served (an identifier), the reporting host (single-line text) and the artifact's
    /// SHA-256.</summary>
    public static InputCheck ServingReport(this InputCheck check, string? environment, string? host, string? artifactDigest) =>
        check.Slug(environment, "environment").Required(host, "host", MaxHostLength).Sha256(artifactDigest, "artifactDigest");
}

public static class RecordLoadDecision
{
    public static IModelVersionEvent Decide(RecordLoad command, ModelVersion version, CommandContext context)
    {
        var check = new InputCheck()
            .ServingReport(command.Environment, command.Host, command.ArtifactDigest)
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.Loaded is null)
            check.Fail("loaded", "is required (true or false)");
        if (command.ApprovalId is not null)
            check.Slug(command.ApprovalId, "approvalId");
        if (command.Loaded == false)
            check.Code(command.ReasonCode, "reasonCode");
        else if (command.ReasonCode is not null)
            check.Fail("reasonCode", "must be absent when the model was loaded");
        check.ThrowIfAny();

        var digest = Digest.Normalize(command.ArtifactDigest!);
        if (command.Loaded == false)
            return new ModelLoadRefused(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.Host!,
                digest,
                command.ReasonCode!,
                context.Audit(command.Reason ?? $"Load refused: {command.ReasonCode}")
            );
        var unapproved = UnapprovedBecause(command, version, digest, context.Now);
        return unapproved.Count == 0
            ? new ModelLoaded(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.Host!,
                digest,
                command.ApprovalId,
                context.Audit(command.Reason ?? "Loaded after verifying its signed approval")
            )
            : new UnapprovedLoadReported(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.Host!,
                digest,
                command.ApprovalId,
                unapproved,
                context.Audit(command.Reason ?? "A load was reported that no approval allows")
            );
    }

    /// <summary>
    /// Why a reported load was not allowed (empty when it was): the named approval must be one that allows this digest of
    /// this version in this environment at the time of the report (<see cref="DeploymentPolicy"/>'s rule, applied to it).
    /// </summary>
    private static IReadOnlyList<DenialReason> UnapprovedBecause(
        RecordLoad command,
        ModelVersion version,
        string digest,
        DateTimeOffset now
    )
    {
        var policy = DeploymentPolicy.Check(version, digest, command.Environment!, now);
        if (!policy.Allowed)
            return policy.Reasons;
        var named = version.Approvals.FirstOrDefault(a => a.Id == command.ApprovalId);
        return named is not null && named.Environment == command.Environment && named.ArtifactDigest == digest && named.IsActiveAt(now)
            ? []
            :
            [
                new DenialReason(
                    "approval_not_named",
                    $"The report names approval {command.ApprovalId ?? "(none)"}, which does not allow {digest} in "
                        + $"'{command.Environment}' now; approval {policy.ApprovalId} does."
                ),
            ];
    }
}
