using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>
/// What an on-call engineer scrapes (issue 19 item 3): <c>/metrics</c> in the Prometheus text format, only for a token with
/// the <c>metrics:read</c> scope, exposing requests and latency, approval checks by decision and reason, commands by type
/// and outcome, refusals by rule, events committed by type (attestations issued among them), the sealing and webhook lag, and
/// the database client's own series.
/// </summary>
public sealed class ObservabilityTests(ObservabilityTests.MetricsApp app) : IClassFixture<ObservabilityTests.MetricsApp>
{
    /// <summary>A database of its own (the fixture type names it).</summary>
    public sealed class MetricsApp : LedgerApp;

    private readonly Scenario _ledger = new(app);

    private HttpClient Scraper(string scopes = "metrics:read") => app.AsClient("prometheus-scraper", Roles.DeploymentPipeline, scopes);

    [Fact]
    public async Task Metrics_are_refused_without_a_token_and_to_a_token_without_the_metrics_scope()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _ledger.Anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Scraper("approvals:read").GetAsync("/metrics")).StatusCode);
        // A person's ledger token does not carry it either.
        var auditor = app.As("auditor-ada", Roles.Auditor);
        auditor.DefaultRequestHeaders.Add("X-Test-Scopes", "ledger:read");
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task A_scrape_shows_the_checks_commands_refusals_and_events_the_ledger_answered()
    {
        var environment = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var (modelId, digest, _) = await _ledger.ApprovedVersion(environment: environment);
        var allowed = await _ledger.Check(modelId, digest, environment);
        Assert.True(allowed.GetProperty("allowed").GetBoolean());
        var denied = await _ledger.Check(modelId, Scenario.DigestOf("other bytes"), environment);
        var reason = denied.GetProperty("reasons")[0].GetProperty("code").GetString();
        // A refusal by a rule: a second approval where one is active.
        await _ledger
            .Owner.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals",
                new { environment, intendedUse = "Retail credit decisions in DE" }
            )
            .ExpectProblem(HttpStatusCode.Conflict, "approval.already_active");

        var text = await Scrape();

        AssertSeries(
            text,
            "governance_approval_checks_total",
            ("decision", "allowed"),
            ("environment", environment),
            ("reason", "approved")
        );
        AssertSeries(text, "governance_approval_checks_total", ("decision", "denied"), ("environment", environment), ("reason", reason!));
        AssertSeries(text, "governance_ledger_commands_total", ("event_type", "approval_signed_off"), ("outcome", "committed"));
        AssertSeries(text, "governance_refusals_total", ("front_door", "api"), ("kind", "Conflict"), ("rule", "approval.already_active"));
        AssertSeries(text, "governance_ledger_events_total", ("event_type", "approval_attested"));
        AssertSeries(text, "governance_ledger_commit_commands_bucket", ("how", "alone"), ("le", "1"));
        AssertSeries(text, "governance_webhooks_outbox");
        AssertSeries(text, "http_server_request_duration_seconds_bucket", ("http_route", "/api/v1/approvals/check"));
        AssertSeries(text, "db_client_operation_duration_seconds_bucket");
    }

    /// <summary>A sample line of <paramref name="name"/> carrying every one of <paramref name="labels"/> exists.</summary>
    private static void AssertSeries(string text, string name, params (string Key, string Value)[] labels)
    {
        var samples = text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ")).ToList();
        Assert.True(
            samples.Any(l => labels.All(label => l.Contains($"{label.Key}=\"{label.Value}\"", StringComparison.Ordinal))),
            $"no {name} sample with {string.Join(", ", labels)}; samples: {string.Join("\n", samples.Take(20))}"
        );
    }

    private async Task<string> Scrape()
    {
        // The sampler's first sample and the exporter's response cache (300 ms) may each lag the last request a moment.
        for (var attempt = 0; ; attempt++)
        {
            var text = await Scraper().GetStringAsync("/metrics");
            if (text.Contains("governance_webhooks_outbox") || attempt == 50)
                return text;
            await Task.Delay(200);
        }
    }
}
