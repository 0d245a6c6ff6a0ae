using System.Net.Http.Headers;
using Governance.Api.Hosting;
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
public sealed class LedgerApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public AdjustableClock Clock { get; } = new();

    public async Task InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("GOVERNANCE_DB")
                     ?? throw new InvalidOperationException("GOVERNANCE_DB is not set: run the tests with ./gov test, which starts PostgreSQL.");
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false };
        var database = $"governance_test_{Environment.ProcessId}";
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
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddAuthentication(TestAuthentication.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
        });
    }

    /// <summary>A client acting as <paramref name="subject"/> in <paramref name="roles"/> (comma-separated); no subject = anonymous.</summary>
    public HttpClient As(string? subject, string? roles = null)
    {
        var client = CreateClient();
        if (subject is not null) client.DefaultRequestHeaders.Add("X-Test-Subject", subject);
        if (roles is not null) client.DefaultRequestHeaders.Add("X-Test-Role", roles);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var admin = new NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(ConnectionString).Database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerApp>
{
    public const string Name = "ledger";
}
