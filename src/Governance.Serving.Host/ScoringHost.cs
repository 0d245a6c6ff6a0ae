using System.Text.Json;
using Governance.Attestations;

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
    public string ArtifactPath { get; set; } = "";

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
}

public static class ScoringHost
{
    public static WebApplicationBuilder AddScoringHost(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Serving").Get<ScoringHostOptions>() ?? new ScoringHostOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(
            new ServingOptions
            {
                Environment = options.Environment,
                PinnedKeys = options.PinnedKeysPath is null
                    ? null
                    : JsonSerializer.Deserialize<JwkSet>(File.ReadAllBytes(options.PinnedKeysPath)),
                RevocationCacheDuration = TimeSpan.FromSeconds(options.RevocationCacheSeconds),
                OutageGrace = TimeSpan.FromSeconds(options.OutageGraceSeconds),
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
        return builder;
    }

    public static WebApplication MapScoringHost(this WebApplication app)
    {
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
            (JsonElement body, ServedModel served) =>
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
                    return Results.Ok(served.Score(rows));
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
