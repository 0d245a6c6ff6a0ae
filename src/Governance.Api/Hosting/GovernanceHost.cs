using Governance.Api.Features.Approvals;
using Governance.Api.Features.Attestations;
using Governance.Api.Features.AuditTrail;
using Governance.Api.Features.Datasets;
using Governance.Api.Features.Deployments;
using Governance.Api.Features.Evidence;
using Governance.Api.Features.EvidencePacks;
using Governance.Api.Features.Incidents;
using Governance.Api.Features.Models;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Features.Monitoring;
using Governance.Api.Features.People;
using Governance.Api.Features.TechnicalDocumentation;
using Governance.Api.Features.TransparencyLog;
using Governance.Api.Features.Validation;
using Governance.Api.Features.Webhooks;
using Governance.Api.Identity;
using Governance.Ledger;
using Governance.Ledger.Attestations;
using Governance.Ledger.Reconciliation;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Telemetry;
using Governance.Ledger.Transparency;
using Governance.Ledger.Webhooks;
using Governance.Ui.Desks;
using Microsoft.AspNetCore.HttpOverrides;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace Governance.Api.Hosting;

public static class GovernanceHost
{
    public static WebApplicationBuilder AddGovernance(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Bodies sent without a Content-Length are cut off by Kestrel at the same limit (413 through Problems).
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = RequestGuards.MaxBodyBytes);
        services.AddSingleton(TimeProvider.System);
        services.Configure<ForwardedHeadersOptions>(o => ConfigureProxies(o, builder.Configuration));
        var pkcs11 = Pkcs11Token(builder.Configuration);
        services.AddGovernanceLedger(
            new LedgerOptions(
                ConnectionString(builder.Configuration),
                pkcs11 is null ? AttestationKeysFolder(builder.Configuration, builder.Environment) : null
            )
            {
                Pkcs11 = pkcs11,
                EvidencePackRenderBudget = EvidencePackRenderBudget(builder.Configuration),
                StatusListValidity = StatusListValidity(builder.Configuration),
                AutoCreate = SchemaCreation(builder.Configuration),
                Replica = Replica(builder.Configuration),
                GroupCommitters = GroupCommitters(builder.Configuration),
            }
        );

        var transparencyLog = TransparencyLog(builder.Configuration, builder.Environment);
        if (transparencyLog is not null)
            services.AddTransparencyLogSealer(transparencyLog);
        if (Reconciliation(builder.Configuration, sealedOnly: transparencyLog is not null) is { } reconciliation)
            services.AddReadModelReconciliation(reconciliation);
        services.AddWebhooks(Webhooks(builder.Configuration, builder.Environment));
        services.AddLedgerLagSampler(sealing: transparencyLog is not null);
        builder.AddGovernanceObservability();
        // Notifications by e-mail only where an SMTP server is configured (Governance:Smtp); the bell needs none.
        if (SmtpSettings.Read(builder.Configuration) is { } smtp)
        {
            services.AddSingleton(smtp);
            services.AddSingleton<NotificationMailer>();
            services.AddHostedService(provider => provider.GetRequiredService<NotificationMailer>());
        }

        services.ConfigureHttpJsonOptions(o =>
        {
            LedgerJson.Configure(o.SerializerOptions);
            // A misspelt field ("conditons") must not be dropped silently from what an officer signs: refuse unknown fields.
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });
        // Malformed bodies throw, so Problems can name the offending JSON path instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<Problems>();
        services.AddOpenApi();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        services.AddGovernanceUi();

        builder.AddGovernanceIdentity();
        services.AddHostedService<FirstPartyClients>();
        if (builder.Environment.IsDevelopment())
        {
            services.AddSingleton(DevelopmentIdentities.LoadOrCreate(DataFolder(builder.Configuration, builder.Environment)));
            services.AddHostedService<DevelopmentIdentities>();
        }
        return builder;
    }

    /// <summary>
    /// The reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are honoured:
    /// Governance:ForwardedHeaders:KnownProxies (IP addresses) and Governance:ForwardedHeaders:KnownNetworks (CIDR, e.g.
    /// <c>10.0.0.0/8</c>). ASP.NET Core's loopback defaults are removed: with nothing configured no forwarded header is
    /// honoured, and from a configured proxy the client address is the rightmost one that is not itself a configured proxy, so a
    /// client cannot choose its own address (rate limits, sign-in throttling) by sending the header.
    /// </summary>
    /// <exception cref="ConfigurationProblem">An entry that is not an IP address or a CIDR network, naming it.</exception>
    public static void ConfigureProxies(ForwardedHeadersOptions options, IConfiguration configuration)
    {
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in configuration.GetSection("Governance:ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            options.KnownProxies.Add(
                System.Net.IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new ConfigurationProblem($"Governance:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.")
            );
        foreach (var network in configuration.GetSection("Governance:ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            options.KnownIPNetworks.Add(
                System.Net.IPNetwork.TryParse(network, out var parsed)
                    ? parsed
                    : throw new ConfigurationProblem(
                        $"Governance:ForwardedHeaders:KnownNetworks: '{network}' is not a network such as 10.0.0.0/8."
                    )
            );
        // ASP.NET Core trusts every sender when no proxy is known: then nothing is forwarded at all.
        options.ForwardedHeaders =
            options.KnownProxies.Count + options.KnownIPNetworks.Count > 0
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;
        // Chains of configured proxies are walked from the right until an address that is not one of them.
        options.ForwardLimit = null;
    }

    public const string ConnectionStringName = "Governance";

    /// <summary>The connection string: GOVERNANCE_DB if set (the README's contract), else ConnectionStrings:Governance.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["GOVERNANCE_DB"] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString(ConnectionStringName)
                ?? throw new ConfigurationProblem(
                    "Set GOVERNANCE_DB (a PostgreSQL connection string) or ConnectionStrings:Governance; the README's ./gov commands do "
                        + "this."
                );

    /// <summary>Governance:Attestations:KeysFolder; required in Production, else attestation-keys under the data folder.</summary>
    public static string AttestationKeysFolder(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration["Governance:Attestations:KeysFolder"];
        if (string.IsNullOrEmpty(configured) && environment.IsProduction())
            throw new ConfigurationProblem(
                "Configure Governance:Attestations:KeysFolder (the folder of ES256 PEM keys that sign approval attestations) or "
                    + "Governance:Attestations:Pkcs11 (a PKCS#11 token)."
            );
        return string.IsNullOrEmpty(configured) ? Path.Combine(DataFolder(configuration, environment), "attestation-keys") : configured;
    }

    /// <summary>
    /// Governance:Attestations:Pkcs11 (<c>Library</c>, <c>TokenLabel</c>, <c>UserPin</c>): the PKCS#11 token that holds the
    /// attestation keys, or null when no library is configured (keys then live in the keys folder).
    /// </summary>
    /// <exception cref="ConfigurationProblem">A library without a token label or PIN, or a library file that does not
    /// exist.</exception>
    public static Pkcs11Options? Pkcs11Token(IConfiguration configuration) =>
        Pkcs11Section(configuration.GetSection("Governance:Attestations:Pkcs11"), out _);

    /// <summary>A PKCS#11 token's settings (<c>Library</c>, <c>TokenLabel</c>, <c>UserPin</c>) in <paramref name="section"/>, null
    /// when it sets no library; <paramref name="required"/> reads another required setting of the section.</summary>
    private static Pkcs11Options? Pkcs11Section(IConfigurationSection section, out Func<string, string> required)
    {
        required = name =>
            section[name] is { Length: > 0 } value
                ? value
                : throw new ConfigurationProblem($"{section.Path}:{name} is required when a PKCS#11 library is set.");
        if (string.IsNullOrEmpty(section["Library"]))
            return null;
        var library = section["Library"]!;
        if (!File.Exists(library))
            throw new ConfigurationProblem($"{section.Path}:Library: no file {library}.");
        return new Pkcs11Options(library, required("TokenLabel"), required("UserPin"));
    }

    /// <summary>Governance:Attestations:StatusListValidityHours (positive), default 24: how long a signed status list is current.</summary>
    /// <exception cref="ConfigurationProblem">Not a positive number of hours.</exception>
    public static TimeSpan StatusListValidity(IConfiguration configuration)
    {
        var hours = configuration.GetValue("Governance:Attestations:StatusListValidityHours", 24.0);
        return hours > 0 && double.IsFinite(hours)
            ? TimeSpan.FromHours(hours)
            : throw new ConfigurationProblem("Governance:Attestations:StatusListValidityHours must be a positive number of hours.");
    }

    /// <summary>
    /// The read replica (docs/operations.md): GOVERNANCE_DB_REPLICA or ConnectionStrings:GovernanceReplica, a connection string
    /// to a streaming replica of GOVERNANCE_DB's cluster; Governance:Database:ReplicaLagBoundSeconds (positive, default 2) is
    /// how long a read waits for it to catch up before the primary answers. Null (no replica) when neither is set.
    /// </summary>
    /// <exception cref="ConfigurationProblem">The connection string does not parse, or the lag bound is not a positive
    /// number of seconds: the host does not start.</exception>
    public static ReplicaOptions? Replica(IConfiguration configuration)
    {
        var connection = configuration["GOVERNANCE_DB_REPLICA"] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString("GovernanceReplica");
        if (string.IsNullOrEmpty(connection))
            return null;
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connection);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationProblem($"GOVERNANCE_DB_REPLICA is not a PostgreSQL connection string: {e.Message}", e);
        }
        var seconds = configuration.GetValue("Governance:Database:ReplicaLagBoundSeconds", ReplicaOptions.DefaultLagBound.TotalSeconds);
        return seconds > 0 && double.IsFinite(seconds)
            ? new ReplicaOptions(connection, TimeSpan.FromSeconds(seconds))
            : throw new ConfigurationProblem("Governance:Database:ReplicaLagBoundSeconds must be a positive number of seconds.");
    }

    /// <summary>Governance:Database:GroupCommitters (a whole number, at least 1; default
    /// <see cref="LedgerOptions.DefaultGroupCommitters"/>): how many transactions of commands this node writes at once; commands
    /// that find them all busy are written together by the next one free (docs/operations.md, "Group commit").</summary>
    /// <exception cref="ConfigurationProblem">Another value: the host does not start.</exception>
    public static int GroupCommitters(IConfiguration configuration) =>
        configuration["Governance:Database:GroupCommitters"] switch
        {
            null or "" => LedgerOptions.DefaultGroupCommitters,
            var text when int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 => n,
            var other => throw new ConfigurationProblem(
                $"Governance:Database:GroupCommitters must be a whole number of at least 1, not '{other}'."
            ),
        };

    /// <summary>Governance:EvidencePacks:RenderBudgetSeconds (positive, fractions allowed), default 10 s: the longest one evidence
    /// pack may take to render before the API answers 503 <c>evidence_pack.render_budget_exceeded</c>.</summary>
    /// <exception cref="ConfigurationProblem">The configured value is not a positive number of seconds.</exception>
    public static TimeSpan EvidencePackRenderBudget(IConfiguration configuration)
    {
        var seconds = configuration.GetValue(
            "Governance:EvidencePacks:RenderBudgetSeconds",
            LedgerOptions.DefaultEvidencePackRenderBudget.TotalSeconds
        );
        return seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new ConfigurationProblem("Governance:EvidencePacks:RenderBudgetSeconds must be a positive number of seconds.");
    }

    /// <summary>
    /// Governance:Database:AutoCreate: <c>CreateOrUpdate</c> (default: this process creates and updates the schema at start) or
    /// <c>None</c> (production under the application role: the schema is applied by <c>Governance.Api migrate</c> as the
    /// migration role; docs/database-roles.md).
    /// </summary>
    /// <exception cref="ConfigurationProblem">Another value.</exception>
    public static JasperFx.AutoCreate SchemaCreation(IConfiguration configuration) =>
        configuration["Governance:Database:AutoCreate"] switch
        {
            null or "" or "CreateOrUpdate" => JasperFx.AutoCreate.CreateOrUpdate,
            "None" => JasperFx.AutoCreate.None,
            var other => throw new ConfigurationProblem($"Governance:Database:AutoCreate must be CreateOrUpdate or None, not '{other}'."),
        };

    /// <summary>
    /// The read-model reconciliation: Governance:Reconciliation:IntervalSeconds (default 300; fractions allowed; 0 turns it off).
    /// Where this process seals, it rebuilds from sealed events only.
    /// </summary>
    /// <exception cref="ConfigurationProblem">The interval is negative or not a number.</exception>
    public static ReconciliationOptions? Reconciliation(IConfiguration configuration, bool sealedOnly)
    {
        var seconds = configuration.GetValue("Governance:Reconciliation:IntervalSeconds", 300.0);
        if (seconds < 0 || !double.IsFinite(seconds))
            throw new ConfigurationProblem("Governance:Reconciliation:IntervalSeconds must be 0 (off) or a positive number of seconds.");
        return seconds == 0 ? null : new ReconciliationOptions(TimeSpan.FromSeconds(seconds), sealedOnly);
    }

    /// <summary>
    /// The transparency log's sealer, when Governance:TransparencyLog:KeyFile names its Ed25519 PEM key, or
    /// Governance:TransparencyLog:Pkcs11 (<c>Library</c>, <c>TokenLabel</c>, <c>UserPin</c>, <c>KeyLabel</c>) an Ed25519 key pair
    /// in a PKCS#11 token (never in PostgreSQL, separate from the attestation keys); null (no sealer in this process) otherwise.
    /// Governance:TransparencyLog:Origin (default <c>governance.local/ledger</c>), :ExportFolder (default transparency-log under
    /// the data folder), :CheckpointIntervalSeconds (default 60), :PollIntervalSeconds (default 1; fractions allowed).
    /// </summary>
    /// <exception cref="ConfigurationProblem">An interval is not a positive number of seconds; both a key file and a
    /// PKCS#11 library; a PKCS#11 setting missing or a library file that does not exist.</exception>
    public static TransparencyLogOptions? TransparencyLog(IConfiguration configuration, IHostEnvironment environment)
    {
        var keyFile = configuration["Governance:TransparencyLog:KeyFile"] is { Length: > 0 } file ? file : null;
        var pkcs11 = Pkcs11CheckpointKey(configuration);
        if (keyFile is null && pkcs11 is null)
            return null;
        if (keyFile is not null && pkcs11 is not null)
            throw new ConfigurationProblem(
                "Governance:TransparencyLog: give either KeyFile or Pkcs11:Library for the checkpoint key, not both."
            );
        TimeSpan Seconds(string name, double fallback) =>
            configuration.GetValue($"Governance:TransparencyLog:{name}", fallback) is var s && s > 0 && double.IsFinite(s)
                ? TimeSpan.FromSeconds(s)
                : throw new ConfigurationProblem($"Governance:TransparencyLog:{name} must be a positive number of seconds.");
        return new TransparencyLogOptions(
            configuration["Governance:TransparencyLog:Origin"] ?? "governance.local/ledger",
            keyFile,
            configuration["Governance:TransparencyLog:ExportFolder"]
                ?? Path.Combine(DataFolder(configuration, environment), "transparency-log")
        )
        {
            Pkcs11Key = pkcs11,
            CheckpointInterval = Seconds("CheckpointIntervalSeconds", 60),
            PollInterval = Seconds("PollIntervalSeconds", 1),
        };
    }

    /// <summary>Governance:TransparencyLog:Pkcs11 (<c>Library</c>, <c>TokenLabel</c>, <c>UserPin</c>, <c>KeyLabel</c>): the
    /// checkpoint key in a PKCS#11 token, or null when no library is configured.</summary>
    /// <exception cref="ConfigurationProblem">A setting is missing, or the library file does not exist.</exception>
    public static Pkcs11CheckpointKey? Pkcs11CheckpointKey(IConfiguration configuration) =>
        Pkcs11Section(configuration.GetSection("Governance:TransparencyLog:Pkcs11"), out var required) is { } token
            ? new Pkcs11CheckpointKey(token, required("KeyLabel"))
            : null;

    /// <summary>
    /// Webhooks (docs/webhooks.md): Governance:Webhooks:AllowedHosts (hosts exempt from the https-only and public-address rule,
    /// e.g. 127.0.0.1 in tests), :SecretKeyFile (the base64 of 32 random bytes that encrypts signing secrets at rest; required in
    /// Production, else created under the data folder), :Deliver (default true: this process stands for leadership of delivery),
    /// :PollIntervalSeconds (1), :TimeoutSeconds (10), and the retry schedule :FirstRetrySeconds (30), :BackoffFactor (4),
    /// :MaxRetryDelaySeconds (21600), :MaxAttempts (8). The CloudEvents source is Governance:PublicUrl.
    /// </summary>
    /// <exception cref="ConfigurationProblem">A missing key file in Production, or a value out of range, naming it.</exception>
    public static WebhookOptions Webhooks(IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection("Governance:Webhooks");
        TimeSpan Seconds(string name, double fallback) =>
            section.GetValue(name, fallback) is var s && s > 0 && double.IsFinite(s)
                ? TimeSpan.FromSeconds(s)
                : throw new ConfigurationProblem($"Governance:Webhooks:{name} must be a positive number of seconds.");
        var keyFile = section["SecretKeyFile"];
        if (string.IsNullOrEmpty(keyFile) && environment.IsProduction())
            throw new ConfigurationProblem(
                "Configure Governance:Webhooks:SecretKeyFile (the base64 of 32 random bytes, e.g. `openssl rand -base64 32`), which "
                    + "encrypts webhook signing secrets at rest, readable by every API process."
            );
        var key = WebhookSecretKey.Load(
            string.IsNullOrEmpty(keyFile) ? Path.Combine(DataFolder(configuration, environment), "webhook-keys", "secrets.key") : keyFile,
            createIfMissing: string.IsNullOrEmpty(keyFile)
        );
        var schedule = new Domain.Webhooks.DeliverySchedule(
            Seconds("FirstRetrySeconds", Domain.Webhooks.DeliverySchedule.Default.FirstRetry.TotalSeconds),
            section.GetValue("BackoffFactor", Domain.Webhooks.DeliverySchedule.Default.Factor),
            Seconds("MaxRetryDelaySeconds", Domain.Webhooks.DeliverySchedule.Default.MaxDelay.TotalSeconds),
            section.GetValue("MaxAttempts", Domain.Webhooks.DeliverySchedule.Default.MaxAttempts)
        );
        return new WebhookOptions(
            new Domain.Webhooks.WebhookUrlPolicy(section.GetSection("AllowedHosts").Get<string[]>() ?? []),
            new Uri(Identity.IdentitySetup.PublicUrl(configuration), "api/v1"),
            key,
            section.GetValue("Deliver", true)
        )
        {
            Schedule = schedule,
            PollInterval = Seconds("PollIntervalSeconds", 1),
            Timeout = Seconds("TimeoutSeconds", 10),
        };
    }

    /// <summary>Git-ignored folder for development keys and demo artifacts (Governance:DataFolder, default .data under the repo
    /// root).</summary>
    public static string DataFolder(IConfiguration configuration, IHostEnvironment environment) =>
        Path.GetFullPath(configuration["Governance:DataFolder"] ?? Path.Combine(environment.ContentRootPath, "..", "..", ".data"));

    /// <summary>Ready when the ledger's database answers: 200 "Ready", else 503 with Retry-After (for load balancers).</summary>
    private static async Task<IResult> ReadinessAsync(Marten.IDocumentStore store, HttpContext http, CancellationToken ct)
    {
        try
        {
            await using var session = store.QuerySession();
            await session.QueryAsync<int>("select 1", ct);
            return Results.Text("Ready");
        }
        catch (Exception e) when (Problems.LedgerUnavailable(e))
        {
            http.Response.Headers.RetryAfter = Problems.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text("Ledger database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>A browser asking for a page (GET, accepts HTML) outside the API, the identity endpoints and the downloads.</summary>
    private static bool IsPageRequest(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method)
        && http.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true)
        && !http.Request.Path.StartsWithSegments("/api")
        && !http.Request.Path.StartsWithSegments("/connect")
        && !http.Request.Path.StartsWithSegments("/_framework")
        && !http.Request.Path.StartsWithSegments("/_content");

    public static WebApplication UseGovernance(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders(app.Environment, FirstPartyClients.UiRedirectUris(app.Configuration));
        app.UseExceptionHandler();
        // A person's browser gets the UI's branded page for an error status; API callers keep problem+json.
        app.UseWhen(IsPageRequest, page => page.UseStatusCodePagesWithReExecute("/error/{0}", createScopeForStatusCodePages: true));
        app.UseWhen(http => !IsPageRequest(http), api => api.UseStatusCodePages());
        app.UseKnownCharsets();
        app.UseSingleValuedForms();
        app.UseCredentialFieldLimits();
        app.UseRouting();
        app.UseBodySizeLimit();
        app.UseWellFormedPreconditions();
        app.UseIdempotencyBuffering();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapSignIn();
        app.MapConnect();
        app.MapStaticAssets().AllowAnonymous();
        app.MapEvidencePackDownloads();
        app.MapAttestationDownloads();
        app.MapInventoryExport();
        // Pages authorize themselves with the sign-in cookie ([Authorize] on each page); the API keeps its own policies.
        app.MapRazorComponents<Governance.Ui.Components.App>().AddInteractiveServerRenderMode().AllowAnonymous();

        app.MapOpenApi().AllowAnonymous();
        // Scalar's page runs inline scripts: a fresh nonce per request, which the page policy allows (SecurityHeaders); no fonts from
        // Scalar's CDN, which the policy would block; no AI chat, MCP or developer tools (SDK generation, deploy), which call
        // Scalar's hosted services from a product that runs offline.
        app.MapScalarApiReference("/docs", o => o.WithNonce().DisableDefaultFonts().DisableAgent().DisableMcp().HideDeveloperTools())
            .AllowAnonymous();
        app.MapGet("/health", () => Results.Text("Healthy")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/health/ready", ReadinessAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapMetrics();

        StartupBanner.PrintWhenStarted(app);
        app.MapGroup("/api/v1")
            .MapModels()
            .MapDatasets()
            .MapModelVersions()
            .MapValidation()
            .MapEvidence()
            .MapIncidents()
            .MapMonitoring()
            .MapTechnicalDocumentation()
            .MapApprovals()
            .MapDeployments()
            .MapAuditTrail()
            .MapPeople()
            .MapTransparencyLog()
            .MapAdministration()
            .MapAttestations()
            .MapEvidencePacks()
            .MapWebhooks();
        return app;
    }
}
