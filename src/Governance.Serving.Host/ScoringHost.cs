using System.Text.Json;
using Governance.Attestations;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Governance.Serving.Host;

/// <summary>Configuration section "Serving".</summary>
public sealed class ScoringHostOptions
{
    public string LedgerUrl { get; set; } = "http://127.0.0.1:5080/";
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string Environment { get; set; } = "production";
    public string Model { get; set; } = "";
    public string Version { get; set; } = "";

    /// <summary>The model file, or a model directory verified as the manifest of its files (<see cref="ModelFile"/> is
    /// then the ML.NET model inside it).</summary>
    public string ArtifactPath { get; set; } = "";

    /// <summary>When <see cref="ArtifactPath"/> is a directory: the ML.NET model zip's path inside it (<c>/</c>-separated).</summary>
    public string ModelFile { get; set; } = "model.zip";

    /// <summary>When <see cref="ArtifactPath"/> is a directory: an optional <see cref="FeatureMap"/> file inside it.</summary>
    public string? FeatureMapFile { get; set; }

    /// <summary>A DSSE envelope file; when absent, the attestation of <see cref="ApprovalId"/> is fetched from the ledger.</summary>
    public string? AttestationPath { get; set; }
    public string? ApprovalId { get; set; }

    /// <summary>A JWKS file of trusted attestation keys; when absent, the ledger's key set is used.</summary>
    public string? PinnedKeysPath { get; set; }
    public int RevocationCacheSeconds { get; set; } = 30;

    /// <summary>How long a serving model keeps serving through a ledger outage after its last answer expired.</summary>
    public int OutageGraceSeconds { get; set; } = 300;

    /// <summary>How often the served model's approval is re-verified; a revoked approval stops scoring.</summary>
    public int RecheckSeconds { get; set; } = 60;

    /// <summary>Input columns of the model that are not features (the training label), filled with defaults when scoring.</summary>
    public string[] NonFeatureColumns { get; set; } = ["Label", "Class"];

    /// <summary>
    /// A <see cref="ReasonCodeFile"/>: when set, each score carries its top reason codes (TreeSHAP toward the adverse
    /// outcome; protected attributes never), and a model whose features the file does not cover is not served.
    /// </summary>
    public string? ReasonCodesFile { get; set; }

    /// <summary>
    /// The score threshold(s) this host applies, ascending in [0, 1]: they must be exactly the ones the approval signs
    /// (predicate version 3), or the host serves nothing (<c>decision_threshold_mismatch</c>). Setting them enforces the
    /// decision policy.
    /// </summary>
    public double[]? DecisionThresholds { get; set; }

    /// <summary>Serve only under an approval that signs a decision policy (predicate version 3): an older attestation is
    /// refused (<c>predicate_version_unsupported</c>), one without a policy too (<c>decision_policy_missing</c>).</summary>
    public bool EnforceDecisionPolicy { get; set; }

    /// <summary>
    /// The management port on which <c>/metrics</c> (Prometheus text format, <see cref="ServingTelemetry"/>) is served, and
    /// only there: it names the model and environment, so it stays off the scoring port. The host must listen on it too
    /// (e.g. <c>--urls "http://0.0.0.0:8080;http://127.0.0.1:9464"</c>). Unset: no metrics endpoint.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>Sampling what is scored for the approval's signed monitoring plan (<see cref="LiveMonitor"/>); null: off.</summary>
    public LiveMonitoringOptions? Monitoring { get; set; }

    /// <summary>
    /// What is wrong with this configuration, one line per setting as <c>Serving:Name: problem</c>; empty when the host
    /// can start. Checked before anything is served, so a bad setting stops the host with a clear message.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Fail(string setting, string problem) => problems.Add($"Serving:{setting}: {problem}");
        static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);

        if (!Uri.TryCreate(LedgerUrl, UriKind.Absolute, out var ledger) || ledger.Scheme is not ("http" or "https"))
            Fail(nameof(LedgerUrl), $"'{LedgerUrl}' is not an absolute http(s) URL");
        if (Blank(ClientId) != Blank(ClientSecret))
            Fail(nameof(ClientSecret), "ClientId and ClientSecret are set together (client credentials) or not at all");
        foreach (var (setting, value) in new[] { (nameof(Environment), Environment), (nameof(Model), Model), (nameof(Version), Version) })
            if (Blank(value))
                Fail(setting, "is required");
        if (Monitoring is { } monitoring)
        {
            if (Blank(monitoring.ReferencePath) || !File.Exists(monitoring.ReferencePath))
                Fail("Monitoring:ReferencePath", $"'{monitoring.ReferencePath}' is not a file: the signed plan's reference CSV");
            if (Blank(monitoring.SampleFolder))
                Fail("Monitoring:SampleFolder", "is required: where each report's sample is kept (it holds production inputs)");
            if (monitoring.SampleSize is < 100 or > 1_000_000)
                Fail("Monitoring:SampleSize", $"{monitoring.SampleSize} is not between 100 and 1,000,000 rows");
        }
        if (MetricsPort is < 1 or > 65535)
            Fail(nameof(MetricsPort), $"{MetricsPort} is not a TCP port (1-65535)");
        if (Blank(ArtifactPath))
            Fail(nameof(ArtifactPath), "is required: the model file or model directory to verify and serve");
        else if (Directory.Exists(ArtifactPath))
        {
            foreach (var (setting, file) in new[] { (nameof(ModelFile), ModelFile), (nameof(FeatureMapFile), FeatureMapFile) })
                if (file is not null && FileManifest.PathProblems([file]) is [var (_, problem), ..])
                    Fail(setting, $"'{file}' {problem} (a path inside the model directory)");
                else if (file is not null && !File.Exists(Path.Combine(ArtifactPath, file)))
                    Fail(setting, $"no file '{file}' in the model directory '{ArtifactPath}'");
        }
        else if (!File.Exists(ArtifactPath))
            Fail(nameof(ArtifactPath), $"no file or directory at '{ArtifactPath}'");
        else if (FeatureMapFile is not null)
            Fail(nameof(FeatureMapFile), "is a file of a model directory, but ArtifactPath is one model file");
        if (AttestationPath is not null)
        {
            if (Blank(AttestationPath))
                Fail(nameof(AttestationPath), "is empty: give a DSSE envelope file, or remove it and set ApprovalId to fetch one");
            else if (!File.Exists(AttestationPath))
                Fail(nameof(AttestationPath), $"no file at '{AttestationPath}'");
        }
        else if (Blank(ApprovalId))
            Fail(nameof(ApprovalId), "set ApprovalId (the attestation is fetched from the ledger) or AttestationPath");
        if (PinnedKeysPath is not null)
        {
            if (Blank(PinnedKeysPath) || !File.Exists(PinnedKeysPath))
                Fail(nameof(PinnedKeysPath), $"no JWKS file at '{PinnedKeysPath}'");
            else if (ReadKeys(PinnedKeysPath) is null)
                Fail(nameof(PinnedKeysPath), $"'{PinnedKeysPath}' is not a JWKS with at least one key");
        }
        if (ReasonCodesFile is not null)
        {
            if (Blank(ReasonCodesFile) || !File.Exists(ReasonCodesFile))
                Fail(nameof(ReasonCodesFile), $"no file at '{ReasonCodesFile}'");
            else
                try
                {
                    var background = ReasonCodeFile.Read(ReasonCodesFile).Background;
                    if (!File.Exists(background))
                        Fail(nameof(ReasonCodesFile), $"its background file '{background}' does not exist");
                }
                catch (InvalidDataException bad)
                {
                    Fail(nameof(ReasonCodesFile), bad.Message);
                }
        }
        if (RevocationCacheSeconds < 0)
            Fail(nameof(RevocationCacheSeconds), "must be 0 (ask the ledger on every check) or more");
        if (OutageGraceSeconds < 0)
            Fail(nameof(OutageGraceSeconds), "must be 0 or more");
        if (RecheckSeconds < 1)
            Fail(nameof(RecheckSeconds), "must be at least 1");
        if (DecisionThresholds is { } thresholds)
        {
            if (thresholds.Length == 0)
                Fail(nameof(DecisionThresholds), "is empty: give the approved threshold(s), or remove the setting");
            else if (thresholds.Any(t => !(t is >= 0 and <= 1)) || thresholds.Zip(thresholds.Skip(1)).Any(p => p.Second <= p.First))
                Fail(nameof(DecisionThresholds), "must be scores in [0, 1], ascending");
        }
        return problems;
    }

    /// <summary>The pinned key set, or null when the file is not a JWKS with at least one key.</summary>
    internal static JwkSet? ReadKeys(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<JwkSet>(File.ReadAllBytes(path)) is { Keys.Count: > 0 } keys ? keys : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The host's configuration cannot work; the message lists every problem, one per line.</summary>
public sealed class ScoringHostConfigurationException(IReadOnlyList<string> problems)
    : Exception(
        "The scoring host's configuration is invalid:" + System.Environment.NewLine + string.Join(System.Environment.NewLine, problems)
    )
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

public static class ScoringHost
{
    public static WebApplicationBuilder AddScoringHost(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Serving").Get<ScoringHostOptions>() ?? new ScoringHostOptions();
        if (options.Problems() is { Count: > 0 } problems)
            throw new ScoringHostConfigurationException(problems);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(
            new ServingOptions
            {
                Environment = options.Environment,
                PinnedKeys = options.PinnedKeysPath is null ? null : ScoringHostOptions.ReadKeys(options.PinnedKeysPath),
                RevocationCacheDuration = TimeSpan.FromSeconds(options.RevocationCacheSeconds),
                OutageGrace = TimeSpan.FromSeconds(options.OutageGraceSeconds),
                EnforceDecisionPolicy = options.EnforceDecisionPolicy,
                DecisionThresholds = options.DecisionThresholds,
            }
        );
        builder
            .Services.AddHttpClient<ILedgerClient, HttpLedgerClient>(http =>
            {
                http.BaseAddress = new Uri(options.LedgerUrl.EndsWith('/') ? options.LedgerUrl : options.LedgerUrl + "/");
                http.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddTypedClient<ILedgerClient>(http => new HttpLedgerClient(
                http,
                options.ClientId is null ? null : new HttpLedgerClient.Credentials(options.ClientId, options.ClientSecret ?? "")
            ));
        builder.Services.AddSingleton<ApprovedModelLoader>();
        builder.Services.AddSingleton<ServedModel>();
        builder.Services.AddHostedService<ApprovalWatch>();
        builder.Services.AddSingleton<ServingTelemetry>();
        builder.Services.AddSingleton<LiveSample>();
        builder.Services.AddSingleton<LiveMonitor>();
        builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(r =>
                r.AddService(
                    "governance-scoring-host",
                    serviceInstanceId: System.Environment.MachineName + ":" + System.Environment.ProcessId
                )
            )
            .WithMetrics(metrics =>
                metrics
                    .AddMeter(ServingTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    // No cached scrape: a refusal must show in the next scrape (the exporter's default reuses one for 300 ms).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            );
        return builder;
    }

    public static WebApplication MapScoringHost(this WebApplication app)
    {
        if (app.Services.GetRequiredService<ScoringHostOptions>().MetricsPort is { } metricsPort)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{metricsPort}");
            app.MapPost(
                    "/monitoring/report",
                    async (LiveMonitor monitor, CancellationToken ct) =>
                    {
                        try
                        {
                            return Results.Json(await monitor.RecordAsync(ct), statusCode: StatusCodes.Status201Created);
                        }
                        catch (InvalidOperationException refused)
                        {
                            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "No report", detail: refused.Message);
                        }
                        catch (LedgerUnreachableException unreachable)
                        {
                            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, detail: unreachable.Message);
                        }
                    }
                )
                .RequireHost($"*:{metricsPort}");
        }
        app.MapGet(
            "/health",
            (ServedModel served) =>
                served.Current is { } current
                    ? Results.Ok(
                        new
                        {
                            status = "serving",
                            model = current.Model,
                            version = current.Version,
                            artifactDigest = current.Artifact.ArtifactDigest,
                            approvalId = current.Artifact.Approval.ApprovalId,
                            expiresAt = current.Artifact.Approval.ExpiresAt,
                            decisionThresholds = current.Artifact.Approval.DecisionPolicy?.Thresholds,
                        }
                    )
                    : Results.Json(
                        new
                        {
                            status = "refused",
                            code = served.Refusal?.Code ?? "not_loaded",
                            message = served.Refusal?.Message ?? "No model is loaded.",
                        },
                        statusCode: StatusCodes.Status503ServiceUnavailable
                    )
        );

        app.MapPost(
            "/score",
            (JsonElement body, ServedModel served, ServingTelemetry telemetry) =>
            {
                if (served.Current is null)
                    return Results.Problem(
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "No approved model is loaded",
                        detail: served.Refusal?.Message,
                        extensions: new Dictionary<string, object?> { ["code"] = served.Refusal?.Code ?? "not_loaded" }
                    );
                var rows = body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().ToArray() : [body];
                try
                {
                    var scores = served.Score(rows);
                    telemetry.Scored(rows.Length);
                    return Results.Ok(scores);
                }
                catch (ArgumentException bad)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid input", detail: bad.Message);
                }
            }
        );

        app.MapPost(
            "/reload",
            async (ServedModel served, CancellationToken ct) =>
            {
                await served.LoadAsync(ct);
                return served.Current is not null
                    ? Results.Ok(new { status = "serving", artifactDigest = served.Current.Artifact.ArtifactDigest })
                    : Results.Json(
                        new
                        {
                            status = "refused",
                            code = served.Refusal!.Code,
                            message = served.Refusal.Message,
                        },
                        statusCode: StatusCodes.Status503ServiceUnavailable
                    );
            }
        );
        return app;
    }
}

/// <summary>Loads at start, then re-verifies periodically (the revocation cache decides when the ledger is asked again);
/// a refusal stops scoring.</summary>
public sealed class ApprovalWatch(ServedModel served, ScoringHostOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await served.LoadAsync(ct);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.RecheckSeconds)));
        while (await timer.WaitForNextTickAsync(ct))
            await served.ReverifyAsync(ct);
    }
}
