using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// The API host on a real PostgreSQL: a fresh database per test run, derived from GOVERNANCE_DB (which ./gov test sets).
/// Tests use unique model ids, so they share the database without seeing each other's records.
/// </summary>
public class LedgerApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public AdjustableClock Clock { get; } = new();

    /// <summary>True: callers are whoever the X-Test-* headers say. False: only the product's real OpenIddict tokens and sign-in.</summary>
    protected virtual bool UsesTestAuthentication => true;

    /// <summary>Per-run folder for the generated token signing keys.</summary>
    public string DataFolder { get; } = Directory.CreateTempSubdirectory("governance-tests-").FullName;

    /// <summary>The PostgreSQL server the test database is created on: GOVERNANCE_DB, which ./gov test sets.</summary>
    protected virtual string ServerConnectionString() =>
        Environment.GetEnvironmentVariable("GOVERNANCE_DB")
        ?? throw new InvalidOperationException("GOVERNANCE_DB is not set: run the tests with ./gov test, which starts PostgreSQL.");

    public virtual async Task InitializeAsync()
    {
        var server = ServerConnectionString();
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false };
        var database = $"governance_test_{Environment.ProcessId}_{GetType().Name.ToLowerInvariant()}";
        await using (var admin = new NpgsqlConnection(builder.ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("GOVERNANCE_DB", ConnectionString);
        builder.UseSetting("Governance:DataFolder", DataFolder);
        // The webhook tests' receivers listen on 127.0.0.1 over plain HTTP; retries come after half a second, not 30 s.
        builder.UseSetting("Governance:Webhooks:AllowedHosts:0", "127.0.0.1");
        builder.UseSetting("Governance:Webhooks:PollIntervalSeconds", "0.2");
        builder.UseSetting("Governance:Webhooks:FirstRetrySeconds", "0.5");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTransient<IStartupFilter, TestPeerAddress>();
            if (UsesTestAuthentication)
            {
                services
                    .AddAuthentication(TestAuthentication.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
                services.AddSingleton<Governance.Ui.Desks.ISessionGuard, TestSessionGuard>();
            }
        });
    }

    /// <summary>A client acting as <paramref name="subject"/> in <paramref name="roles"/> (comma-separated); no subject =
    /// anonymous.</summary>
    public HttpClient As(string? subject, string? roles = null) => As(this, subject, roles);

    /// <summary>As <see cref="As(string?, string?)"/>, on <paramref name="host"/>: this app or one derived from it with
    /// <c>WithWebHostBuilder</c> (e.g. with another setting).</summary>
    public static HttpClient As(WebApplicationFactory<Program> host, string? subject, string? roles = null)
    {
        var client = host.CreateClient();
        if (subject is not null)
            client.DefaultRequestHeaders.Add("X-Test-Subject", subject);
        if (roles is not null)
            client.DefaultRequestHeaders.Add("X-Test-Role", roles);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>A machine client acting with its own credentials (client-credentials token: <c>sub = client_id</c>), holding
    /// <paramref name="roles"/> and, unless narrowed, the machine scopes.</summary>
    public HttpClient AsClient(string clientId, string roles, string scopes = "approvals:read deployments:write loads:write models:write")
    {
        var client = As(clientId, roles);
        client.DefaultRequestHeaders.Add("X-Test-Client", clientId);
        client.DefaultRequestHeaders.Add("X-Test-Scopes", scopes);
        return client;
    }

    /// <summary>How many events the test database holds (every stream, not Marten's tombstones of rolled-back appends), to
    /// prove a refusal wrote nothing.</summary>
    public async Task<long> EventCount()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            $"SELECT count(*) FROM governance.mt_events WHERE stream_id <> '{Attestations.Transparency.LedgerEntry.TombstoneStream}'",
            connection
        );
        return (long)(await count.ExecuteScalarAsync())!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var admin = new NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand(
            $"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(ConnectionString).Database} WITH (FORCE)",
            admin
        );
        await drop.ExecuteNonQueryAsync();
        Directory.Delete(DataFolder, recursive: true);
        OnDisposed();
    }

    /// <summary>Runs last, after the host and the test database are gone (e.g. to stop a server of the test's own).</summary>
    protected virtual void OnDisposed() { }
}

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerApp>
{
    public const string Name = "ledger";
}

/// <summary>The host with its real authentication only: tokens from its own OpenIddict server, people through the sign-in page.</summary>
public sealed class IdentityApp : LedgerApp
{
    protected override bool UsesTestAuthentication => false;

    /// <summary>The identity tests all speak from TestServer's one unknown address, more often than the production limit of
    /// credential requests per address allows; the rate limits are tested on derived hosts with limits of their own.</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:RateLimits:CredentialsPerMinute", "100000");
    }
}

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<IdentityApp>
{
    public const string Name = "identity";
}
