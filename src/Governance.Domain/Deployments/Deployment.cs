using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Deployments;

public sealed record Deployment(
    string Environment,
    string PipelineRunId,
    string ArtifactDigest,
    string? ApprovalId,
    Actor DeployedBy,
    DateTimeOffset DeployedAt,
    DateTimeOffset? RolledBackAt = null,
    Actor? RolledBackBy = null,
    string? RollbackReason = null
)
{
    public static IReadOnlyList<string> LiveEnvironments(IEnumerable<Deployment> deployments) =>
        deployments.Where(d => d.RolledBackAt is null).Select(d => d.Environment).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Deployment history after a deploy, a restore, a replacement or a rollback; a rollback or a replacement closes every
    /// live deployment in its environment.</summary>
    public static IReadOnlyList<Deployment> Evolve(IReadOnlyList<Deployment> deployments, IModelVersionEvent e) =>
        e switch
        {
            // A version deployed again to an environment is live there once: the new deployment supersedes the earlier one.
            ModelVersionDeployed d =>
            [
                .. Close(deployments, d.Environment, d.Audit with { Reason = $"Superseded by deployment run {d.PipelineRunId}" }),
                new Deployment(d.Environment, d.PipelineRunId, d.ArtifactDigest, d.ApprovalId, d.Audit.Actor, d.Audit.At),
            ],
            ModelVersionRestored r =>
            [
                .. deployments,
                new Deployment(r.Environment, r.PipelineRunId, r.ArtifactDigest, r.ApprovalId, r.Audit.Actor, r.Audit.At),
            ],
            DeploymentReplaced r => Close(deployments, r.Environment, r.Audit),
            DeploymentRolledBack r => Close(deployments, r.Environment, r.Audit),
            _ => deployments,
        };

    private static IReadOnlyList<Deployment> Close(IReadOnlyList<Deployment> deployments, string environment, Audit audit) =>
        deployments
            .Select(d =>
                d.Environment == environment && d.RolledBackAt is null
                    ? d with
                    {
                        RolledBackAt = audit.At,
                        RolledBackBy = audit.Actor,
                        RollbackReason = audit.Reason,
                    }
                    : d
            )
            .ToArray();
}

public sealed record RefusedDeployment(
    string Environment,
    string PipelineRunId,
    string ArtifactDigest,
    IReadOnlyList<DenialReason> Reasons,
    Actor AttemptedBy,
    DateTimeOffset AttemptedAt
);

/// <summary>A pipeline reports that it is deploying (or wants to deploy) this artifact; the ledger allows it or records the
/// refusal.</summary>
public sealed record RecordDeployment(string? Environment, string? PipelineRunId, string? ArtifactDigest, string? Reason);

/// <summary>A pipeline reports that it took this version out of an environment.</summary>
public sealed record RecordRollback(string? Environment, string? PipelineRunId, string? Reason);

public static class DeploymentDecisions
{
    /// <summary>The command's own fields against the ledger's rules (docs/limits.md): the decision runs it first, and the CLI
    /// runs it before sending anything.</summary>
    public static InputCheck Check(RecordDeployment command) =>
        new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.PipelineRunId, "pipelineRunId", 200)
            .Sha256(command.ArtifactDigest, "artifactDigest")
            .Optional(command.Reason, "reason", 2000, multiline: true);

    /// <summary>Always yields one event: the deployment, or the refused attempt with its reasons; refusals are evidence too.</summary>
    public static IModelVersionEvent Decide(RecordDeployment command, ModelVersion version, CommandContext context)
    {
        Check(command).ThrowIfAny();

        var digest = Digest.Normalize(command.ArtifactDigest!);
        var decision = DeploymentPolicy.Check(version, digest, command.Environment!, context.Now);
        return decision.Allowed
            ? new ModelVersionDeployed(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.PipelineRunId!,
                digest,
                decision.ApprovalId!,
                context.Audit(command.Reason ?? "Deployed by pipeline")
            )
            : new DeploymentRefused(
                version.ModelId,
                version.Version,
                command.Environment!,
                command.PipelineRunId!,
                digest,
                decision.Reasons,
                context.Audit(command.Reason ?? "Deployment attempt refused by the ledger")
            );
    }

    public static DeploymentRolledBack Decide(RecordRollback command, ModelVersion version, CommandContext context)
    {
        new InputCheck()
            .Slug(command.Environment, "environment")
            .Required(command.PipelineRunId, "pipelineRunId", 200)
            .Required(command.Reason, "reason", 10_000, multiline: true)
            .ThrowIfAny();
        if (!version.LiveEnvironments.Contains(command.Environment!))
            throw GovernanceRuleException.Conflict(
                "deployment.not_live",
                $"Model version {version.ModelId} {version.Version} is not deployed in '{command.Environment}', so there is nothing to "
                    + $"roll back."
            );
        return new DeploymentRolledBack(
            version.ModelId,
            version.Version,
            command.Environment!,
            command.PipelineRunId!,
            context.Audit(command.Reason!.Trim())
        );
    }
}
