using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Benchmarks;

/// <summary>
/// Revocation propagation across API nodes (docs/performance.md): two API processes on the benchmark's database (one data
/// folder, so the same development keys and people); for each of <c>count</c> approved versions, node B's approval check is
/// asked once (so a node that caches holds the allowed answer), a risk officer revokes through node A, and node B's check is
/// asked again and again, back to back, until it answers denied. The delay counts from node A's answer to the revocation
/// (the commit, and the NOTIFY sent with it, come before that answer) to node B's first denied answer, so it includes one
/// check's round trip.
/// </summary>
internal static class RevocationBench
{
    /// <summary>Runs it and prints one JSON line: revocations, p50, p99 and max in milliseconds.</summary>
    /// <exception cref="InvalidOperationException">Node B still allowed a revoked version after 10 s.</exception>
    public static async Task RunAsync(IServiceProvider ledger, string connection, int count)
    {
        var seeded = await ApprovedVersions.SeedAsync(ledger, "revoke", count);
        var folder = Directory.CreateTempSubdirectory("governance-bench-revocation-").FullName;
        try
        {
            await using var a = await ApiAuditor.StartAsync(connection, folder, "RiskOfficer");
            await using var b = await ApiAuditor.StartAsync(connection, folder, role: null);
            using var officerOnA = Client(a.Server, a.AccessToken);
            var pipeline = a
                .Credentials.GetProperty("clients")
                .EnumerateArray()
                .First(c => c.GetProperty("clientId").GetString() == "governance-pipeline");
            using var pipelineOnB = Client(b.Server, await PipelineTokenAsync(b.Server, pipeline.GetProperty("secret").GetString()!));
            var delays = new List<double>(count);
            for (var i = 0; i < count; i++)
            {
                var model = seeded.Models[i];
                if (await DecisionAsync(pipelineOnB, model, seeded.ArtifactDigest) != "allowed")
                    throw new InvalidOperationException($"node B does not allow {model} before its revocation");
                await ApiAuditor.Json(
                    officerOnA.PostAsJsonAsync(
                        $"api/v1/models/{model}/versions/1.0.0/approvals/{seeded.ApprovalIds[i]}/revocation",
                        new { reason = "revocation propagation benchmark" }
                    )
                );
                var since = Stopwatch.StartNew();
                while (await DecisionAsync(pipelineOnB, model, seeded.ArtifactDigest) != "denied")
                    if (since.Elapsed > TimeSpan.FromSeconds(10))
                        throw new InvalidOperationException($"node B still allows {model} 10 s after its revocation on node A");
                delays.Add(since.Elapsed.TotalMilliseconds);
            }
            delays.Sort();
            // Nearest rank: with 50 revocations the p99 is the slowest one.
            double Percentile(double p) => delays[(int)Math.Ceiling(p * delays.Count) - 1];
            Console.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        revocations = count,
                        p50Ms = Math.Round(Percentile(0.50), 1),
                        p99Ms = Math.Round(Percentile(0.99), 1),
                        maxMs = Math.Round(delays[^1], 1),
                    }
                )
            );
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static HttpClient Client(string server, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(server) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<string> PipelineTokenAsync(string server, string secret)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        var token = await ApiAuditor.Json(
            http.PostAsync(
                "connect/token",
                ApiAuditor.Form(
                    ("grant_type", "client_credentials"),
                    ("client_id", "governance-pipeline"),
                    ("client_secret", secret),
                    ("scope", "approvals:read")
                )
            )
        );
        return token.GetProperty("access_token").GetString()!;
    }

    private static async Task<string> DecisionAsync(HttpClient node, string model, string digest) =>
        (await ApiAuditor.Json(node.GetAsync($"api/v1/approvals/check?model={model}&version=1.0.0&digest={digest}&environment=production")))
            .GetProperty("decision")
            .GetString()!;
}
