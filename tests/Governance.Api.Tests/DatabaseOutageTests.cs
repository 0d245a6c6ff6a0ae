using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Ledger.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>The API on a database of its own, which the test stops and starts again.</summary>
public sealed class OutageApp : LedgerApp
{
    public OwnPostgres Postgres { get; } = new();

    protected override string ServerConnectionString() => Postgres.ConnectionString;

    protected override void OnDisposed() => Postgres.Dispose();
}

/// <summary>
/// When PostgreSQL goes away the API answers 503 with Retry-After and a problem body (the server's trouble, not the
/// client's), readiness says so, nothing is half-written, and it recovers without a restart once the database is back.
/// </summary>
public sealed class DatabaseOutageTests(OutageApp app) : IClassFixture<OutageApp>
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task During_an_outage_commands_reads_and_readiness_answer_503_with_retry_after_and_the_api_recovers_after_it()
    {
        await _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(Scenario.NewId())).Expect(HttpStatusCode.Created);
        var health = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await health.GetAsync("/health/ready")).StatusCode);

        app.Postgres.Crash();

        var command = await _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(Scenario.NewId()));
        var read = await _ledger.Auditor.GetAsync("/api/v1/inventory");
        var ready = await health.GetAsync("/health/ready");
        foreach (var answer in new[] { command, read, ready })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.NotNull(answer.Headers.RetryAfter);
        }
        await Task.FromResult(command).ExpectProblem(HttpStatusCode.ServiceUnavailable, "ledger.unavailable");
        // Background work meets the outage too: the metrics' lag sampler keeps its last sample instead of throwing, which
        // would stop the whole host (a flaky failure of this test until it was caught: the sampler runs every 5 s).
        await app.Services.GetRequiredService<LedgerLagSampler>().SampleOnceAsync(CancellationToken.None);

        app.Postgres.Start();

        // Pooled connections broken by the crash are discarded as they are found; the API itself is not restarted.
        HttpStatusCode status = default;
        for (var attempt = 0; attempt < 20 && status != HttpStatusCode.OK; attempt++)
            status = (await health.GetAsync("/health/ready")).StatusCode;
        Assert.Equal(HttpStatusCode.OK, status);
        var modelId = Scenario.NewId();
        await Retried(() => _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(modelId)), HttpStatusCode.Created);
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").Expect(HttpStatusCode.OK);
    }

    /// <summary>A client's retry loop as the Retry-After answer invites, bounded.</summary>
    private static async Task Retried(Func<Task<HttpResponseMessage>> send, HttpStatusCode expected)
    {
        var answer = await send();
        for (var attempt = 0; attempt < 10 && answer.StatusCode == HttpStatusCode.ServiceUnavailable; attempt++)
            answer = await send();
        Assert.Equal(expected, answer.StatusCode);
    }
}
