using Governance.Api.Identity;
using Governance.Domain.Shared;
using Governance.Ledger.Telemetry;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Governance.Api.Hosting;

/// <summary>
/// OpenTelemetry for the API (issue 19 item 3): traces of ASP.NET Core requests, outgoing HTTP (webhooks) and Npgsql
/// commands, with the ledger's own spans; metrics of the same plus the ledger's instruments (<see cref="LedgerTelemetry"/>)
/// and the .NET runtime's. Metrics are served for Prometheus at <c>/metrics</c> to a caller whose token carries the
/// <c>metrics:read</c> scope (they name environments and rule codes, so they are not public); traces (and metrics) go to an
/// OTLP collector when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Logs carry the trace and span ids
/// (<see cref="Microsoft.Extensions.Logging.ActivityTrackingOptions"/>), in JSON when Logging:Console:FormatterName is
/// <c>json</c> (the default in appsettings.json).
/// </summary>
public static class Observability
{
    /// <summary>The service name resources carry: <c>governance-api</c>.</summary>
    public const string ServiceName = "governance-api";

    /// <summary>Where Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddGovernanceObservability(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(LedgerTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                    metrics.AddOtlpExporter();
            })
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(LedgerTelemetry.Name)
                    // Health probes every few seconds would drown the traces that matter.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (otlp)
                    tracing.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary>Maps <see cref="MetricsPath"/>: the Prometheus text format, to any role holding the <c>metrics:read</c> scope
    /// (a machine client registered for the scraper, <c>admin register-client --scope metrics:read</c>).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowRoles([.. Roles.All]).WithScopes(ApiScopes.MetricsRead);
        return app;
    }
}
