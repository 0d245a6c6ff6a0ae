using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class ModelVersionBoundTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Json);

    private static readonly string[] Environments = [Production, Staging];
    private static readonly string[] Hosts = ["scorer-1", "scorer-2", "scorer-3"];

    /// <summary>The outcome of a decision: what it decided, or the code it refused with.</summary>
    private static string Outcome(Func<object> decide)
    {
        try
        {
            return Serialize(decide());
        }
        catch (GovernanceRuleException refused)
        {
            return refused.Code;
        }
    }

    [Fact]
    public void Commands_decide_on_the_bounded_version_as_on_its_whole_history_and_it_stays_small()
    {
        // 500 random operational events (deployments, replacements, rollbacks, restores, loads, refused and unapproved loads by
        // three hosts in two environments), folded twice: whole, and bounded after every event as the inline document is.
        var random = new Random(26);
        var whole = Given(Approved());
        var bounded = whole.Bounded();
        for (var step = 0; step < 500; step++)
        {
            var environment = Environments[random.Next(Environments.Length)];
            var host = Hosts[random.Next(Hosts.Length)];
            var audit = AuditOf(Pipeline, Day(10 + step / 100.0));
            var digest = random.Next(4) == 0 ? OtherDigest : ArtifactDigest;
            IModelVersionEvent e = random.Next(8) switch
            {
                0 => new ModelVersionDeployed(ModelId, VersionLabel, environment, $"run-{step}", ArtifactDigest, ApprovalId, audit),
                1 => new DeploymentReplaced(ModelId, VersionLabel, environment, "2.0.0", $"d{step}", audit),
                2 => new DeploymentRolledBack(ModelId, VersionLabel, environment, $"run-{step}", audit),
                3 => new ModelVersionRestored(
                    ModelId,
                    VersionLabel,
                    environment,
                    $"run-{step}",
                    ArtifactDigest,
                    $"d{step}",
                    null,
                    false,
                    audit
                ),
                4 => new ModelLoadRefused(ModelId, VersionLabel, environment, host, digest, "approval_revoked", audit),
                5 => new UnapprovedLoadReported(ModelId, VersionLabel, environment, host, digest, null, [new("not_approved", "no")], audit),
                _ => new ModelLoaded(ModelId, VersionLabel, environment, host, digest, ApprovalId, audit),
            };
            whole = ModelVersion.Evolve(whole, e)!;
            bounded = ModelVersion.Evolve(bounded, e)!.Bounded();

            Assert.Equal(Serialize(whole.Bounded()), Serialize(bounded));
            Assert.Equal(whole.LiveEnvironments, bounded.LiveEnvironments);
            Assert.Equal(Serialize(ServingHost.Of(whole, [])), Serialize(ServingHost.Of(bounded, [])));
            foreach (var env in Environments)
            {
                var ctx = Ctx(Pipeline, Day(20));
                var rollback = new RecordRollback(env, "run-back", "Latency regression");
                Assert.Equal(
                    Outcome(() => DeploymentDecisions.Decide(rollback, whole, ctx)),
                    Outcome(() => DeploymentDecisions.Decide(rollback, bounded, ctx))
                );
                var deploy = new RecordDeployment(env, "run-next", ArtifactDigest, null);
                Assert.Equal(
                    Outcome(() => DeploymentDecisions.Decide(deploy, whole, ctx)),
                    Outcome(() => DeploymentDecisions.Decide(deploy, bounded, ctx))
                );
                foreach (var h in Hosts)
                {
                    var verify = new RecordVerification(env, h, ArtifactDigest, ApprovalId);
                    Assert.Equal(
                        Outcome(() => RecordVerificationDecision.Decide(verify, whole, Pipeline, Day(20))),
                        Outcome(() => RecordVerificationDecision.Decide(verify, bounded, Pipeline, Day(20)))
                    );
                }
            }
            Assert.True(bounded.Loads.Count <= Environments.Length * Hosts.Length);
            Assert.All(bounded.Deployments, d => Assert.Null(d.RolledBackAt));
            Assert.Equal(whole.UnapprovedLoads.Count, bounded.UnapprovedLoads.Count);
        }
        Assert.True(whole.Deployments.Count + whole.Loads.Count > 250, "the whole history grew with the events");
    }

    [Fact]
    public void The_bounded_version_keeps_live_deployments_and_each_hosts_last_load_and_every_refusal()
    {
        var version = Given([
            .. Approved(),
            DeployedEvent(at: Day(7)),
            RolledBackEvent(at: Day(8)),
            DeployedEvent(Staging, at: Day(9)),
            RefusedEvent(at: Day(9)),
            new ModelLoaded(ModelId, VersionLabel, Production, "scorer-1", ArtifactDigest, ApprovalId, AuditOf(Pipeline, Day(10))),
            new ModelLoadRefused(ModelId, VersionLabel, Production, "scorer-1", ArtifactDigest, "expired", AuditOf(Pipeline, Day(11))),
            new ModelLoaded(ModelId, VersionLabel, Staging, "scorer-1", ArtifactDigest, ApprovalId, AuditOf(Pipeline, Day(12))),
        ]);

        var bounded = version.Bounded();

        Assert.Equal(2, version.Deployments.Count);
        Assert.Equal(Staging, Assert.Single(bounded.Deployments).Environment);
        Assert.Equal(3, version.Loads.Count);
        Assert.Equal([(Production, false, Day(11)), (Staging, true, Day(12))], bounded.Loads.Select(l => (l.Environment, l.Loaded, l.At)));
        Assert.Single(bounded.RefusedDeployments);
    }
}
