using Governance.Ledger;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Governance.Api.Identity;

public sealed class GovernanceUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
}

/// <summary>
/// Credentials, roles and OpenIddict's clients, authorizations and tokens: mutable account data, kept apart from the
/// ledger in its own schema of the same database. Changes to it are recorded in the security log.
/// </summary>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<GovernanceUser>(options)
{
    public const string Schema = "identity";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.HasDefaultSchema(Schema);
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
    }

    /// <summary>
    /// Creates the identity tables on first start, and the sign-in failures table (<see cref="SignInThrottle"/>) and the
    /// ended UI sessions table (<see cref="UiSessions"/>) where they are missing. The ledger's tables share the database, so
    /// EnsureCreated (which skips any database that has tables) cannot be used; the schema's presence is checked instead.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="createTables">Whether missing tables are created; by default unless <see cref="LedgerOptions.AutoCreate"/> is
    /// None (the application role, which has no DDL rights): the tables must then already exist (the <c>migrate</c> command,
    /// which passes true).</param>
    /// <exception cref="InvalidOperationException">A table is missing and may not be created here.</exception>
    public static async Task EnsureSchemaAsync(IServiceProvider services, CancellationToken ct, bool? createTables = null)
    {
        createTables ??= services.GetRequiredService<LedgerOptions>().AutoCreate != JasperFx.AutoCreate.None;
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDb>();
        await OneNodeAtATimeAsync(
            db,
            async connection =>
            {
                await using var exists = new NpgsqlCommand(
                    "SELECT to_regclass('identity.\"AspNetUsers\"') IS NOT NULL AND to_regclass('identity.sign_in_failures') IS NOT NULL "
                        + "AND to_regclass('identity.ended_ui_sessions') IS NOT NULL "
                        + $"AND to_regclass('identity.{SharedKeyRing.Table}') IS NOT NULL",
                    connection
                );
                var present = (bool)(await exists.ExecuteScalarAsync(ct))!;
                if (!createTables.Value && !present)
                    throw new InvalidOperationException(
                        "The identity tables are missing and Governance:Database:AutoCreate is None: run 'Governance.Api migrate' as the "
                            + "migration role first (docs/database-roles.md)."
                    );
                if (createTables.Value)
                {
                    await using var users = new NpgsqlCommand("SELECT to_regclass('identity.\"AspNetUsers\"') IS NOT NULL", connection);
                    if (!(bool)(await users.ExecuteScalarAsync(ct))!)
                        await db.GetService<IRelationalDatabaseCreator>().CreateTablesAsync(ct);
                    // Not in the EF model, so that a database created by an earlier release gets it too.
                    await using var failures = new NpgsqlCommand(SignInThrottle.CreateTable, connection);
                    await failures.ExecuteNonQueryAsync(ct);
                    await using var sessions = new NpgsqlCommand(UiSessions.CreateTable, connection);
                    await sessions.ExecuteNonQueryAsync(ct);
                    // Its own context, so that a database created by an earlier release gets the table too.
                    await using var keyTable = new NpgsqlCommand(
                        $"SELECT to_regclass('identity.{SharedKeyRing.Table}') IS NOT NULL",
                        connection
                    );
                    if (!(bool)(await keyTable.ExecuteScalarAsync(ct))!)
                        await scope
                            .ServiceProvider.GetRequiredService<SharedKeyRing>()
                            .GetService<IRelationalDatabaseCreator>()
                            .CreateTablesAsync(ct);
                }
                var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
                foreach (var role in Domain.Shared.Roles.All)
                    if (!await roles.RoleExistsAsync(role))
                        await roles.CreateAsync(new IdentityRole(role));
            },
            ct
        );
    }

    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="db"/>'s connection while holding the identity store's start-up lock (a
    /// PostgreSQL session advisory lock), so that API nodes starting together create tables, roles and the first-party clients
    /// one after another: the next finds them and creates nothing twice (a unique violation would stop its start).
    /// </summary>
    public static async Task OneNodeAtATimeAsync(IdentityDb db, Func<NpgsqlConnection, Task> work, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        try
        {
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(4242001)", connection))
                await lockCommand.ExecuteNonQueryAsync(ct);
            await work(connection);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(4242001)", connection);
            await unlock.ExecuteNonQueryAsync(ct);
            await connection.CloseAsync();
        }
    }
}
