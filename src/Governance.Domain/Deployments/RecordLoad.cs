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

public static class RecordLoadDecision
{
    public static IModelVersionEvent Decide(RecordLoad command, ModelVersion version, CommandContext context)
    {
        var check = new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.Host, "host", 200)
            .Sha256(command.ArtifactDigest, "artifactDigest")
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
        return command.Loaded == true
            ? new ModelLoaded(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.Host!,
                digest,
                command.ApprovalId,
                context.Audit(command.Reason ?? "Loaded after verifying its signed approval")
            )
            : new ModelLoadRefused(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.Host!,
                digest,
                command.ReasonCode!,
                context.Audit(command.Reason ?? $"Load refused: {command.ReasonCode}")
            );
    }
}
