using Governance.Api.Identity;
using Governance.Ledger;
using Governance.Ledger.Approvals;
using Governance.Ledger.Transparency;
using Marten;
using Npgsql;

namespace Governance.Api.Hosting;

/// <summary>
/// <c>Governance.Api migrate [--grant-to ROLE]</c>: applies the whole schema as the migration role (the owner of the
/// <c>governance</c> and <c>identity</c> schemas): Marten's event store and documents, the transparency log's and the integrity
/// checks' tables, and the identity store's EF tables; it stores the approval-lookup rows of versions recorded before those
/// rows existed (<see cref="DeploymentGates.BackfillAsync"/>). With <c>--grant-to</c> it then grants the application role
/// exactly what the product needs (<see cref="Grants"/>): it appends to and reads <c>mt_events</c> but can never update,
/// delete or truncate it. Idempotent: run it at each release before the application starts with Governance:Database:AutoCreate None.
/// docs/database-roles.md.
/// </summary>
public static class DatabaseMigration
{
    /// <summary>Runs the command; returns the process exit code (0 done, 1 bad arguments).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? grantee = null;
        for (var i = 0; i < args.Length; i++)
            if (args[i] == "--grant-to" && i + 1 < args.Length && IsRoleName(args[i + 1]))
                grantee = args[++i];
            else
            {
                stderr.WriteLine(
                    $"migrate: unexpected '{args[i]}'. Usage: migrate [--grant-to ROLE] (ROLE: letters, digits and _, at most 63)"
                );
                return 1;
            }
        var ledger = services.GetRequiredService<LedgerOptions>();
        await services
            .GetRequiredService<IDocumentStore>()
            .Storage.ApplyAllConfiguredChangesToDatabaseAsync(JasperFx.AutoCreate.CreateOrUpdate);
        stdout.WriteLine("ledger schema (Marten: governance.mt_*) applied");
        var rows = await DeploymentGates.BackfillAsync(services.GetRequiredService<IDocumentStore>(), CancellationToken.None);
        stdout.WriteLine($"approval-lookup rows of versions recorded by an earlier release stored: {rows}");
        await TransparencyLog.CreateSchemaAsync(ledger.ConnectionString);
        stdout.WriteLine("transparency log and integrity check tables (governance.tlog_*, governance.integrity_checks) applied");
        await IdentityDb.EnsureSchemaAsync(services, CancellationToken.None, createTables: true);
        stdout.WriteLine("identity schema applied");
        if (grantee is not null)
        {
            await using var connection = new NpgsqlConnection(ledger.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(Grants(grantee), connection);
            await command.ExecuteNonQueryAsync();
            stdout.WriteLine($"granted the application role {grantee} its rights (docs/database-roles.md)");
        }
        return 0;
    }

    /// <summary>A PostgreSQL role name the grants may be written with unquoted: letters, digits and underscores.</summary>
    public static bool IsRoleName(string name) =>
        name.Length is > 0 and <= 63 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// The application role's rights, as found by <c>DatabaseRoleTests</c> (the product running under exactly these, with
    /// Governance:Database:AutoCreate None): the events are append-only to it; stream versions, read models, the transparency
    /// log's working tables and the identity store are the DML it needs. Nothing owns or creates.
    /// </summary>
    /// <param name="role">The application role (<see cref="IsRoleName"/>).</param>
    public static string Grants(string role) =>
        IsRoleName(role)
            ? $"""
                grant usage on schema governance, identity to {role};
                -- The ledger: appended and read, never changed.
                revoke all on governance.mt_events from {role};
                grant select, insert on governance.mt_events to {role};
                grant usage, select on sequence governance.mt_events_sequence to {role};
                grant select, insert, update on governance.mt_streams to {role};
                -- Read models (Marten documents, re-derivable from the events: upserted, never deleted); the log's working tables.
                do $grants$ declare t text; begin
                    for t in select tablename from pg_tables where schemaname = 'governance' and tablename like 'mt_doc_%' loop
                        execute format('grant select, insert, update on governance.%I to {role}', t);
                    end loop;
                end $grants$;
                grant select, insert on governance.tlog_leaves, governance.tlog_nodes, governance.tlog_checkpoints to {role};
                grant select, update on governance.tlog_state to {role};
                grant select, insert, update on governance.integrity_checks to {role};
                -- Webhooks: an outbox row is deleted once fanned out; a removed subscription's encrypted secret is deleted.
                grant delete on governance.mt_doc_webhookoutboxmessage, governance.mt_doc_storedwebhooksecret to {role};
                -- Accounts, clients and tokens: mutable by design; their changes are in the security log.
                grant select, insert, update, delete on all tables in schema identity to {role};
                grant usage, select on all sequences in schema identity to {role};
                """
            : throw new ArgumentException($"'{role}' is not a plain role name", nameof(role));
}
