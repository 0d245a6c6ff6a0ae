using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>
/// The operations guide's Prometheus set-up, run for real (Debian's <c>prometheus</c>, installed by <c>./gov test</c>):
/// docs/operations/prometheus.yml with only its targets, token URL, secret file and intervals substituted scrapes a live API
/// with the OAuth2 client-credentials grant of the development metrics client, and loads docs/operations/prometheus-alerts.yml
/// with every rule evaluating cleanly, and every query of docs/operations/grafana-dashboard.json evaluates; the alert rules'
/// own unit tests pass under <c>promtool test rules</c>.
/// </summary>
[Collection(LiveLedgerCollection.Name)]
public sealed class PrometheusScrapeTests(LiveLedgerApp app, ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("prometheus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Operations() => Path.Combine(Programs.RepositoryRoot(), "docs", "operations");

    [Fact]
    public async Task The_alert_rules_pass_their_unit_tests()
    {
        var (exit, output) = await Programs.RunAsync(log, "promtool", ["test", "rules", "prometheus-alerts.test.yml"], Operations());
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Prometheus_configured_as_the_guide_says_scrapes_the_API_with_its_own_token_and_evaluates_every_alert_rule()
    {
        app.EnsureStarted();
        var address = new Uri(app.Address);
        using var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(app.CredentialsFile));
        var secret = credentials
            .RootElement.GetProperty("clients")
            .EnumerateArray()
            .Single(c => c.GetProperty("clientId").GetString() == "governance-metrics")
            .GetProperty("secret")
            .GetString()!;
        await File.WriteAllTextAsync(Path.Combine(_folder, "secret"), secret);
        File.Copy(Path.Combine(Operations(), "prometheus-alerts.yml"), Path.Combine(_folder, "prometheus-alerts.yml"));
        var config = Substitute(
            await File.ReadAllTextAsync(Path.Combine(Operations(), "prometheus.yml")),
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("scheme: https", "scheme: http"),
            ("/etc/prometheus/governance-metrics.secret", Path.Combine(_folder, "secret")),
            ("https://governance.example.com/connect/token", $"{app.Address}/connect/token"),
            ("[\"governance-api-1:8443\", \"governance-api-2:8443\"]", $"[\"{address.Authority}\"]")
        );
        await File.WriteAllTextAsync(Path.Combine(_folder, "prometheus.yml"), config);

        var port = FreePort();
        using var prometheus = Process.Start(
            new ProcessStartInfo("prometheus")
            {
                ArgumentList =
                {
                    $"--config.file={Path.Combine(_folder, "prometheus.yml")}",
                    $"--storage.tsdb.path={Path.Combine(_folder, "data")}",
                    $"--web.listen-address=127.0.0.1:{port}",
                },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            }
        )!;
        var stderr = prometheus.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var up = await Eventually(http, "api/v1/query?query=" + Uri.EscapeDataString("up{job=\"governance\"}"), r => Value(r) == "1");
            Assert.Equal("1", Value(up));
            var outbox = await Eventually(http, "api/v1/query?query=governance_webhooks_outbox", r => Value(r) is not null);
            Assert.NotNull(Value(outbox));
            var rules = await Eventually(
                http,
                "api/v1/rules",
                r => Rules(r).Count() >= 7 && Rules(r).All(rule => rule.GetProperty("lastEvaluation").GetString()![..4] != "0001")
            );
            foreach (var rule in Rules(rules))
                Assert.True(rule.GetProperty("health").GetString() == "ok", rule.ToString());
            // Every query of the Grafana dashboard parses and evaluates against the scraped series.
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Operations(), "grafana-dashboard.json")));
            foreach (
                var target in dashboard
                    .RootElement.GetProperty("panels")
                    .EnumerateArray()
                    .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            )
            {
                var expr = target.GetProperty("expr").GetString()!;
                using var response = await http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(expr));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{expr}: {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            log.WriteLine((await stderr).Split('\n').TakeLast(15).Aggregate("", (a, l) => a + l + "\n"));
        }
    }

    private static string Substitute(string text, params (string From, string To)[] changes)
    {
        foreach (var (from, to) in changes)
        {
            Assert.True(text.Contains(from, StringComparison.Ordinal), $"docs/operations/prometheus.yml no longer holds '{from}'");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }

    private static string? Value(JsonElement answer) =>
        answer.GetProperty("data").GetProperty("result") is { ValueKind: JsonValueKind.Array } result && result.GetArrayLength() > 0
            ? result[0].GetProperty("value")[1].GetString()
            : null;

    private static IEnumerable<JsonElement> Rules(JsonElement answer) =>
        answer.GetProperty("data").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray());

    /// <summary>Asks Prometheus until <paramref name="done"/> holds, for up to 60 s (a first scrape waits for a token).</summary>
    private static async Task<JsonElement> Eventually(HttpClient http, string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                    if (done(answer) || DateTime.UtcNow > deadline)
                        return answer;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline) { }
            Assert.True(DateTime.UtcNow < deadline, $"Prometheus did not answer {path} in time");
            await Task.Delay(500);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
