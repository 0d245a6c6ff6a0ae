using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Ledger;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>A ledger on a database of its own: these tests change its schema as a new release's migration would.</summary>
public sealed class PreparedStatementsApp : LedgerApp;

public sealed class PreparedStatementTests(PreparedStatementsApp app) : IClassFixture<PreparedStatementsApp>
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public void The_ledger_prepares_its_statements_unless_the_connection_string_says_otherwise()
    {
        var prepared = new NpgsqlConnectionStringBuilder(LedgerSetup.WithAutoPrepare("Host=db;Database=governance"));
        Assert.Equal((64, 2), (prepared.MaxAutoPrepare, prepared.AutoPrepareMinUsages));
        Assert.Equal("Host=db;Max Auto Prepare=0", LedgerSetup.WithAutoPrepare("Host=db;Max Auto Prepare=0"));
        Assert.Equal("Host=db;maxautoprepare=8", LedgerSetup.WithAutoPrepare("Host=db;maxautoprepare=8"));

        var store = app.Services.GetRequiredService<IDocumentStore>();
        using var connection = store.Storage.Database.CreateConnection();
        Assert.Equal(64, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public async Task Commands_and_reads_on_prepared_statements_survive_a_migration_made_while_the_ledger_runs()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        async Task Traffic(string prefix)
        {
            // Each statement used more than twice on the pooled connections, so that Npgsql has prepared it.
            for (var i = 0; i < 6; i++)
            {
                await _ledger.Deploy(modelId, digest, run: $"{prefix}-{i}").Expect(HttpStatusCode.Created);
                await _ledger.GetVersion(modelId);
                Assert.Equal("allowed", (await _ledger.Check(modelId, digest)).GetProperty("decision").GetString());
                await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").Expect(HttpStatusCode.OK);
            }
        }
        await Traffic("before");

        // What a new release's migration does to the tables and function these statements use: columns and an index added, the
        // append function replaced by its definition.
        await using (var migration = new NpgsqlConnection(app.ConnectionString))
        {
            await migration.OpenAsync();
            string[] tables = ["mt_events", "mt_streams", "mt_doc_modelversion", "mt_doc_environmentslot", "mt_doc_inventoryentry"];
            foreach (var table in tables)
                await using (var alter = new NpgsqlCommand($"ALTER TABLE governance.{table} ADD COLUMN release_probe text", migration))
                    await alter.ExecuteNonQueryAsync();
            await using (
                var index = new NpgsqlCommand("CREATE INDEX release_probe ON governance.mt_doc_modelversion (release_probe)", migration)
            )
                await index.ExecuteNonQueryAsync();
            var definitions = new List<string>();
            await using (
                var read = new NpgsqlCommand(
                    "SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        + "WHERE n.nspname = 'governance' AND p.proname = 'mt_quick_append_events'",
                    migration
                )
            )
            await using (var reader = await read.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    definitions.Add(reader.GetString(0));
            Assert.NotEmpty(definitions);
            foreach (var definition in definitions)
                await using (var replace = new NpgsqlCommand(definition, migration))
                    await replace.ExecuteNonQueryAsync();
        }

        await Traffic("after");
        Assert.Equal(12, (await _ledger.GetVersion(modelId)).GetProperty("deployments").GetArrayLength());
    }
}
