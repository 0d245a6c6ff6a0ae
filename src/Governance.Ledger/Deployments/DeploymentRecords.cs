using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;

namespace Governance.Ledger.Deployments;

/// <summary>What a deployment report recorded: the deployment, or the refused attempt (stored as evidence).</summary>
public sealed record DeploymentOutcome(ModelVersionDeployed? Deployed, DeploymentRefused? Refused);

/// <summary>Deployments and rollbacks, as pipelines report them. A deployment without an active approval is refused and recorded.</summary>
public sealed class DeploymentRecords(LedgerWriter writer)
{
    public static readonly IReadOnlyList<string> Roles = [Domain.Shared.Roles.DeploymentPipeline];

    /// <summary>
    /// Records a deployment or, without a granted, unexpired, unrevoked approval for this digest and environment, the
    /// refused attempt: that is not an exception, because the refusal itself is evidence and is stored.
    /// </summary>
    public Task<Written<DeploymentOutcome>> RecordDeploymentAsync(
        VersionRef target,
        RecordDeployment command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.DecideAsync<ModelVersion, DeploymentOutcome>(
            target.StreamKey,
            ModelVersion.Evolve,
            call,
            Roles,
            (state, context) => DeploymentDecisions.Decide(command, target.Require(state), context),
            w => new DeploymentOutcome(w.Events[0] as ModelVersionDeployed, w.Events[0] as DeploymentRefused),
            ct
        );

    /// <summary>Records that a pipeline rolled this version back out of an environment.</summary>
    public Task<Written<DeploymentRolledBack>> RecordRollbackAsync(
        VersionRef target,
        RecordRollback command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer.DecideAsync<ModelVersion, DeploymentRolledBack>(
            target.StreamKey,
            ModelVersion.Evolve,
            call,
            Roles,
            (state, context) => DeploymentDecisions.Decide(command, target.Require(state), context),
            w => (DeploymentRolledBack)w.Events[0],
            ct
        );
}
