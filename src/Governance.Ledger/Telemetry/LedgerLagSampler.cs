using Governance.Attestations.Transparency;
using Governance.Ledger.Webhooks;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Telemetry;

/// <summary>One sample of the ledger's asynchronous work left to do.</summary>
/// <param name="UnsealedEvents">Events committed but not yet sealed into the transparency log; null when this deployment
/// runs no sealer.</param>
/// <param name="SealingLagSeconds">Age (seconds, database time) of the oldest of them; 0 when none; null without a sealer.</param>
/// <param name="WebhookBacklog">Webhook outbox messages not yet fanned out.</param>
/// <param name="IntegrityAlarm">Whether the transparency log's sealer has raised its alarm (a sealed leaf changed or removed,
/// or an event it cannot seal); null without a sealer.</param>
/// <param name="SampledAt">When the sample was taken.</param>
public sealed record LedgerLag(
    long? UnsealedEvents,
    double? SealingLagSeconds,
    long WebhookBacklog,
    bool? IntegrityAlarm,
    DateTimeOffset SampledAt
);

/// <summary>
/// Samples the ledger's lag every <see cref="Interval"/> on every node (the figures are the database's, whichever node
/// seals), for <see cref="LedgerTelemetry"/>'s gauges. Read models are inline projections, committed with their events, so
/// they have no lag to report; the transparency log's sealer and the webhook dispatcher work behind the commit.
/// </summary>
/// <param name="sealing">Whether a transparency log sealer is configured (on this node or, in a cluster, on its peers: they
/// share the configuration).</param>
public sealed class LedgerLagSampler(
    IDocumentStore store,
    LedgerOptions ledger,
    TimeProvider clock,
    ILogger<LedgerLagSampler> logger,
    bool sealing
) : BackgroundService
{
    /// <summary>Time between samples.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await SampleOnceAsync(stoppingToken);
            await Task.Delay(Interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Takes one sample into <see cref="LedgerTelemetry.Lag"/>. Any failure (the database unreachable, and Marten's or
    /// Npgsql's exception for it, whichever wraps which) is logged and the gauges keep their last sample: a background
    /// service that throws stops the whole host, and an unreachable database is the readiness check's to report.
    /// </summary>
    public async Task SampleOnceAsync(CancellationToken ct)
    {
        try
        {
            LedgerTelemetry.Lag = await SampleAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Ledger lag sample failed ({Error}); the gauges keep the last sample", e.Message);
        }
    }

    /// <summary>Takes one sample: two indexed queries.</summary>
    public async Task<LedgerLag> SampleAsync(CancellationToken ct)
    {
        (long? Unsealed, double? Age, bool? Alarm) log = (null, null, null);
        if (sealing)
        {
            await using var connection = new NpgsqlConnection(ledger.ConnectionString);
            await connection.OpenAsync(ct);
            // The migration creates the log's state row; seq_id is the events table's primary key, so this reads only the tail.
            await using var command = new NpgsqlCommand(
                $"""
                select count(*), coalesce(extract(epoch from now() - min(e.timestamp)), 0)::float8,
                       (select alarm is not null from governance.tlog_state)
                from governance.mt_events e
                where e.seq_id > (select last_seq from governance.tlog_state) and e.stream_id <> '{LedgerEntry.TombstoneStream}'
                """,
                connection
            );
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            log = (reader.GetInt64(0), Math.Max(0, reader.GetDouble(1)), reader.GetBoolean(2));
        }
        await using var session = store.QuerySession();
        var backlog = await session.Query<WebhookOutboxMessage>().CountAsync(ct);
        return new LedgerLag(log.Unsealed, log.Age, backlog, log.Alarm, clock.GetUtcNow());
    }
}

/// <summary>Registration of <see cref="LedgerLagSampler"/>.</summary>
public static class LedgerTelemetrySetup
{
    /// <summary>Samples the ledger's lag in the background for the metrics the host exports.</summary>
    /// <param name="sealing">Whether the deployment runs a transparency log sealer.</param>
    public static IServiceCollection AddLedgerLagSampler(this IServiceCollection services, bool sealing) =>
        services
            .AddSingleton(sp => ActivatorUtilities.CreateInstance<LedgerLagSampler>(sp, sealing))
            .AddHostedService(sp => sp.GetRequiredService<LedgerLagSampler>());
}
