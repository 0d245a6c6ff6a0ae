using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.Sequencing;
using Marten;

namespace Governance.Benchmarks;

/// <summary>
/// What group commit could give at most on this machine; not the product's write path. Each writer decides
/// <c>group</c> pipeline deployments on distinct versions with the domain's <see cref="DeploymentLifecycle"/>, as
/// <see cref="DeploymentRecords.RecordDeploymentAsync"/> does, reads all their versions and slots in one batched round trip
/// and writes all their events, with the ledger's inline projections, in one transaction under the append lock. What a real
/// queue must add (a savepoint per command so that one conflict fails only its own, idempotency rows, answers) is left out,
/// so the figure is an upper bound (docs/performance.md (b)).
/// </summary>
public static class GroupCommitProbe
{
    /// <summary>Deploys version 1.0.0 of each of <paramref name="models"/> (distinct, each approved for production with
    /// <paramref name="artifact"/>) in one transaction, as <paramref name="actor"/>, under pipeline run id
    /// <paramref name="run"/>.</summary>
    public static async Task DeployAsync(IDocumentStore store, IReadOnlyList<string> models, string artifact, Actor actor, string run)
    {
        await using var session = store.LightweightSession();
        session.CorrelationId = run;
        var batch = session.CreateBatchQuery();
        var reads = models
            .Select(m =>
                (
                    Model: m,
                    Version: batch.Events.FetchForWriting<ModelVersion>(ModelVersion.StreamKey(m, "1.0.0")),
                    Slot: batch.Events.FetchForWriting<EnvironmentSlot>(EnvironmentSlot.StreamKey(m, "production"))
                )
            )
            .ToArray();
        await batch.Execute();
        var context = new CommandContext(actor, DateTimeOffset.UtcNow, run);
        foreach (var read in reads)
        {
            var versionStream = await read.Version;
            var slotStream = await read.Slot;
            var version = versionStream.Aggregate!;
            var started = (DeploymentStarted)
                DeploymentLifecycle.Start(
                    new StartDeployment("production", run, artifact),
                    version,
                    slotStream.Aggregate,
                    idRecordedEarlier: false,
                    Guid.NewGuid().ToString("N"),
                    context
                );
            var completed = DeploymentLifecycle.Complete(
                new CompleteDeployment(started.DeploymentId),
                EnvironmentSlot.Evolve(slotStream.Aggregate, started, 0),
                idRecordedEarlier: false,
                version,
                context
            );
            slotStream.AppendMany([started, .. completed.Slot]);
            foreach (var fact in completed.Versions)
                if (fact.Version == version.Version)
                    versionStream.AppendOne(fact);
                else
                    session.Events.Append(ModelVersion.StreamKey(read.Model, fact.Version), fact);
        }
        await SafePosition.HoldForAppendAsync(session, CancellationToken.None);
        await session.SaveChangesAsync();
    }
}
