using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Ledger.Reconciliation;
using Governance.Ledger.Transparency;
using Governance.Ledger.Webhooks;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>
/// Two API processes behind nginx on one PostgreSQL (<see cref="MultiNodeTopology"/>): what one node writes the other reads, a
/// revocation committed through one node is refused by the other within the CI bound, every background job has exactly one
/// leader, and killing a node with SIGKILL under load loses no acknowledged write while its leaderships move to the survivor.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed partial class MultiNodeTests(MultiNodeTopology topology, ITestOutputHelper output)
{
    /// <summary>The CI bound on revocation propagation across nodes (2 shared cores); <c>./gov bench</c> measures the p99.</summary>
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(2);

    /// <summary>Every single-instance job of the deployment and its advisory lock.</summary>
    private static readonly Dictionary<long, string> Jobs = new()
    {
        [TransparencyLogSealer.LockKey] = "transparency log sealer",
        [WebhookDispatcher.LockKey] = "webhook dispatcher",
        [ReadModelReconciliation.LockKey] = "read-model reconciliation",
        [NotificationMailer.LockKey] = "notification mailer",
    };

    [Fact]
    public async Task Two_nodes_share_the_ledger_a_revocation_on_one_is_refused_by_the_other_and_a_killed_node_loses_no_acknowledged_write()
    {
        output.WriteLine($"topology started: {topology.StartTimes}");
        var seeded = topology.Seeded;
        var pipeline = await topology.PipelineTokenAsync();
        HttpClient[] nodes = [topology.Node(0, pipeline), topology.Node(1, pipeline)];

        // Writes through each node, read back through the other.
        for (var n = 0; n < 2; n++)
        {
            var model = seeded.Models[1 + n];
            await Deploy(nodes[n], model, $"direct-{n}").Expect(HttpStatusCode.Created);
            var slot = await nodes[1 - n].GetAsync($"/api/v1/models/{model}/environments/production").Expect(HttpStatusCode.OK);
            Assert.Contains($"direct-{n}", slot.GetRawText());
        }

        // Checks through both nodes, then a revocation through node A that node B must refuse within the bound.
        var revoked = seeded.Models[0];
        foreach (var node in nodes)
            Assert.Equal("allowed", await Decision(node, revoked));
        var officer = await topology.OfficerTokenAsync();
        using (var officerOnA = topology.Node(0, officer, tls: true))
            await officerOnA
                .PostAsJsonAsync(
                    $"/api/v1/models/{revoked}/versions/1.0.0/approvals/{seeded.ApprovalIds[0]}/revocation",
                    new { reason = "Multi-node test: revoked on node A" }
                )
                .Expect(HttpStatusCode.OK);
        var since = Stopwatch.StartNew();
        while (await Decision(nodes[1], revoked) != "denied")
        {
            Assert.True(since.Elapsed < PropagationBound, $"node B still allows a version revoked on node A after {since.Elapsed}");
            await Task.Delay(5);
        }
        output.WriteLine($"revocation committed through node A, refused by node B after {since.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal("denied", await Decision(nodes[0], revoked));

        // Read-only questions go to the streaming replica, which answers with what was just written through either node.
        using (var officerOnB = topology.Node(1, officer, tls: true))
        {
            var inventory = await officerOnB.GetAsync("/api/v1/inventory").Expect(HttpStatusCode.OK);
            Assert.Contains(seeded.Models[2], inventory.GetRawText());
            var trail = await officerOnB.GetAsync($"/api/v1/models/{revoked}/audit-trail").Expect(HttpStatusCode.OK);
            Assert.Contains("approval_revoked", trail.GetRawText());
        }
        using (var scraper = topology.Node(1, await topology.ScraperTokenAsync()))
        {
            var metrics = await (await scraper.GetAsync("/metrics")).Content.ReadAsStringAsync();
            var served = ReplicaReads().Match(metrics);
            Assert.True(served.Success && long.Parse(served.Groups[1].Value) > 0, $"no read answered by the replica:\n{metrics}");
            output.WriteLine($"reads answered by the replica on node B: {served.Groups[1].Value}");
        }

        // One leader per job, on one of the nodes.
        var leaders = await LeadersAsync(TimeSpan.FromSeconds(30), _ => true);
        var victim = leaders.Values.GroupBy(n => n).OrderByDescending(g => g.Count()).First().Key;
        var survivor = 1 - victim;
        output.WriteLine($"leaders before the kill: {Describe(leaders)}; killing {MultiNodeTopology.NodeName(victim)}");

        // Load through nginx; the node leading most jobs is killed with SIGKILL in the middle of it.
        using var proxy = topology.ThroughProxy(pipeline);
        var acknowledged = new ConcurrentBag<string>();
        var failed = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        var writers = Enumerable
            .Range(0, MultiNodeTopology.Versions - 1)
            .Select(w =>
                Task.Run(async () =>
                {
                    for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(6); i++)
                    {
                        var run = $"load-{w}-{i}";
                        if (await DeployWithRetriesAsync(proxy, seeded.Models[1 + w], run))
                            acknowledged.Add(run);
                        else
                            failed.Add(run);
                    }
                })
            )
            .ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var beforeKill = acknowledged.Count;
        var killedAt = clock.Elapsed;
        await topology.Nodes[victim].KillAsync();
        await Task.WhenAll(writers);
        output.WriteLine(
            $"load: {acknowledged.Count} writes acknowledged ({beforeKill} before the kill at {killedAt.TotalSeconds:F1} s), "
                + $"{failed.Count} not acknowledged after retries"
        );
        Assert.True(beforeKill > 0, "no write was acknowledged before the kill");
        Assert.True(acknowledged.Count > beforeKill, "no write was acknowledged after the kill");

        // Every acknowledged write is in the ledger, exactly once (retries reuse their Idempotency-Key).
        var recorded = (
            await topology.QueryAsync(
                "select data->>'pipelineRunId' from governance.mt_events where type = 'model_version_deployed' "
                    + "and data->>'pipelineRunId' like 'load-%'"
            )
        )
            .GroupBy(r => r!)
            .ToDictionary(g => g.Key, g => g.Count());
        var lost = acknowledged.Where(run => !recorded.ContainsKey(run)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but not in the ledger: {string.Join(", ", lost)}");
        var twice = recorded.Where(r => r.Value != 1).Select(r => r.Key).ToList();
        Assert.True(twice.Count == 0, $"recorded more than once: {string.Join(", ", twice)}");

        // The survivor leads every job now.
        var after = await LeadersAsync(TimeSpan.FromSeconds(30), l => l.Values.All(n => n == survivor));
        output.WriteLine($"leaders after the kill: {Describe(after)}");
    }

    private Task<HttpResponseMessage> Deploy(HttpClient node, string model, string run, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/models/{model}/versions/1.0.0/deployments")
        {
            Content = JsonContent.Create(
                new
                {
                    environment = "production",
                    pipelineRunId = run,
                    artifactDigest = topology.Seeded.ArtifactDigest,
                    reason = "multi-node test",
                }
            ),
        };
        if (idempotencyKey is not null)
            request.Headers.Add(LedgerCalls.IdempotencyKeyHeader, idempotencyKey);
        return node.SendAsync(request);
    }

    /// <summary>A pipeline's retrying client: the same Idempotency-Key on every try, until a 201 or ten tries.</summary>
    private async Task<bool> DeployWithRetriesAsync(HttpClient proxy, string model, string run)
    {
        var key = Guid.NewGuid().ToString();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                using var answer = await Deploy(proxy, model, run, key);
                if (answer.StatusCode == HttpStatusCode.Created)
                    return true;
                output.WriteLine($"{run} try {attempt}: {(int)answer.StatusCode} {answer.ReasonPhrase}");
            }
            catch (HttpRequestException e)
            {
                output.WriteLine($"{run} try {attempt}: {e.Message}");
            }
            await Task.Delay(100);
        }
        return false;
    }

    private async Task<string> Decision(HttpClient node, string model) =>
        (
            await node.GetAsync(
                    $"/api/v1/approvals/check?model={model}&version=1.0.0&digest={topology.Seeded.ArtifactDigest}&environment=production"
                )
                .Expect(HttpStatusCode.OK)
        )
            .GetProperty("decision")
            .GetString()!;

    /// <summary>
    /// Waits until every job has exactly one leader (its advisory lock granted to one backend, whose application name is
    /// <c>governance-leader-KEY</c>) and <paramref name="settled"/> holds, and says which node leads each: the node whose log
    /// names the backend that became leader.
    /// </summary>
    private async Task<Dictionary<long, int>> LeadersAsync(TimeSpan within, Func<Dictionary<long, int>, bool> settled)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var held = await topology.QueryAsync(
                """
                select format('%s %s %s', (l.classid::bigint << 32) | l.objid::bigint, l.pid, a.application_name)
                from pg_locks l join pg_stat_activity a on a.pid = l.pid
                where l.locktype = 'advisory' and l.granted and l.objsubid = 1
                """
            );
            var leaders = new Dictionary<long, int>();
            var unique = true;
            foreach (var row in held.Select(r => r!.Split(' ')))
            {
                var (key, pid, application) = (long.Parse(row[0]), int.Parse(row[1]), row[2]);
                if (!Jobs.ContainsKey(key))
                    continue;
                Assert.Equal($"governance-leader-{key:x16}", application);
                var node = Enumerable.Range(0, 2).Where(n => !topology.Nodes[n].HasExited && LedBy(n, key, pid)).ToList();
                unique &= node.Count == 1 && leaders.TryAdd(key, node[0]);
            }
            if (unique && leaders.Count == Jobs.Count && settled(leaders))
                return leaders;
            Assert.True(
                deadline.Elapsed < within,
                $"not one leader per job within {within}: {Describe(leaders)}\n{topology.Nodes[0].Output}\n{topology.Nodes[1].Output}"
            );
            await Task.Delay(200);
        }
    }

    private bool LedBy(int node, long key, int pid) =>
        BecameLeader().Matches(topology.Nodes[node].Output).Any(m => m.Groups[1].Value == $"{key:x16}" && m.Groups[2].Value == $"{pid}");

    private static string Describe(Dictionary<long, int> leaders) =>
        string.Join(
            ", ",
            Jobs.Select(j => $"{j.Value}: {(leaders.TryGetValue(j.Key, out var n) ? MultiNodeTopology.NodeName(n) : "none")}")
        );

    // The leader election's log line, as the JSON console formatter writes it.
    /// <summary>The count of reads the replica answered, in the Prometheus text format.</summary>
    [GeneratedRegex(@"^governance_replica_reads_total\{[^}]*source=""replica""[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex ReplicaReads();

    [GeneratedRegex(@"Became the leader for lock ([0-9a-f]{16}) \(backend (\d+)\)")]
    private static partial Regex BecameLeader();
}
