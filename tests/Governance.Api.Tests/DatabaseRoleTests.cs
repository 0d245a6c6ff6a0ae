using System.Net;
using System.Net.Http.Json;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Ledger.Reconciliation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// The production database roles (docs/database-roles.md) on a database of their own: a migration role that owns the schema
/// applies it with <c>Governance.Api migrate --grant-to</c>; the product then runs as an application role with
/// Governance:Database:AutoCreate None and exactly <see cref="DatabaseMigration.Grants"/>, with its sealer and reconciliation.
/// </summary>
public sealed class RolesApp : LedgerApp
{
    private readonly string _suffix = $"{Environment.ProcessId}_{Guid.NewGuid():N}"[..20];

    public string MigrationRole => $"governance_migrator_{_suffix}";

    public string ApplicationRole => $"governance_app_{_suffix}";

    public string MigrationConnectionString => RoleConnection(MigrationRole);

    public string ApplicationConnectionString => RoleConnection(ApplicationRole);

    public string KeyFile => Path.Combine(DataFolder, "checkpoint-key.pem");

    /// <summary>What the migrate command printed.</summary>
    public string MigrateOutput { get; private set; } = "";

    // Test roles of this run only, on the test cluster (trust authentication): the password is never checked.
    private string RoleConnection(string role) => new NpgsqlConnectionStringBuilder(ConnectionString) { Username = role }.ConnectionString;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await TransparencyLogTesting.SqlAsync(
            ConnectionString,
            $"create role {MigrationRole} login; create role {ApplicationRole} login; "
                + $"grant create, connect on database {database} to {MigrationRole}; "
                + $"grant connect on database {database} to {ApplicationRole}"
        );
        // The migrate command, as Program runs it: the host's services built, not started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration["GOVERNANCE_DB"] = MigrationConnectionString;
        builder.Configuration["Governance:DataFolder"] = DataFolder;
        builder.AddGovernance();
        await using var migrator = builder.Build();
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await DatabaseMigration.RunAsync(migrator.Services, ["--grant-to", ApplicationRole], output, error);
        MigrateOutput = output.ToString();
        if (exit != 0)
            throw new InvalidOperationException($"migrate failed ({exit}): {error}");
        NpgsqlConnection.ClearAllPools();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (!File.Exists(KeyFile))
            Ed25519PemSigner.Generate(KeyFile);
        builder.UseSetting("GOVERNANCE_DB", ApplicationConnectionString);
        builder.UseSetting("Governance:Database:AutoCreate", "None");
        builder.UseSetting("Governance:TransparencyLog:KeyFile", KeyFile);
        builder.UseSetting("Governance:TransparencyLog:Origin", "governance.test/roles");
        builder.UseSetting("Governance:TransparencyLog:ExportFolder", Path.Combine(DataFolder, "checkpoints"));
        builder.UseSetting("Governance:TransparencyLog:CheckpointIntervalSeconds", "3600");
        builder.UseSetting("Governance:TransparencyLog:PollIntervalSeconds", "0.05");
        builder.UseSetting("Governance:Reconciliation:IntervalSeconds", "3600");
    }

    protected override void OnDisposed()
    {
        var server = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        TransparencyLogTesting
            .SqlAsync(server, $"drop role if exists {ApplicationRole}; drop role if exists {MigrationRole}")
            .GetAwaiter()
            .GetResult();
    }
}

public sealed class DatabaseRoleTests(RolesApp app) : IClassFixture<RolesApp>
{
    [Fact]
    public async Task The_migration_role_owns_the_schema_and_the_application_role_has_no_DDL()
    {
        Assert.Contains("granted the application role", app.MigrateOutput);
        Assert.Equal(
            app.MigrationRole,
            await TransparencyLogTesting.SqlAsync(
                app.ConnectionString,
                "select nspowner::regrole::text from pg_namespace where nspname = 'governance'"
            )
        );
        Assert.Equal(
            app.MigrationRole,
            await TransparencyLogTesting.SqlAsync(
                app.ConnectionString,
                "select tableowner::text from pg_tables where schemaname = 'governance' and tablename = 'mt_events'"
            )
        );
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            TransparencyLogTesting.SqlAsync(app.ApplicationConnectionString, "create table governance.forged (id int)")
        );
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_product_runs_under_the_application_role_and_an_update_of_the_events_is_refused()
    {
        // Commands through the one write path: register, validate, approve, revoke (events, stream versions, read models).
        var scenario = new Scenario(app);
        var (model, _, approval) = await scenario.ApprovedVersion();
        await scenario
            .OfficerRavi.PostAsJsonAsync($"{Scenario.VersionPath(model)}/approvals/{approval}/revocation", new { reason = "Drift" })
            .Expect(HttpStatusCode.OK);
        await scenario.Pipeline.GetAsync("/api/v1/approvals/status-list").Expect(HttpStatusCode.OK);
        // The sealer seals and signs, and the reconciliation records its outcome, with the application role's rights only.
        var checkpoint = await TransparencyLogTesting.CheckpointEverythingAsync(app);
        Assert.Equal(await app.EventCount(), checkpoint.Size);
        var check = await app.Services.GetRequiredService<ReadModelReconciliation>().RunOnceAsync(CancellationToken.None);
        Assert.True(check.Passed, string.Join("; ", check.Findings));

        foreach (
            var tampering in new[]
            {
                "update governance.mt_events set data = data",
                "delete from governance.mt_events",
                "truncate governance.mt_events",
                "update governance.tlog_leaves set hash = hash",
                "delete from governance.tlog_checkpoints",
            }
        )
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() =>
                TransparencyLogTesting.SqlAsync(app.ApplicationConnectionString, tampering)
            );
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{tampering}: {refused.Message}");
        }
    }
}
