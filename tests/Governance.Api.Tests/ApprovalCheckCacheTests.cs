using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>The approval check's fixture: its own database, since a test here writes a row behind the ledger's back.</summary>
public sealed class ApprovalCheckApp : LedgerApp;

/// <summary>
/// The approval check reads each version's compact approval-lookup row, kept in memory while the node listens for
/// <c>NOTIFY governance_deployment_gate</c>, which every change to a version sends in its own transaction.
/// </summary>
public sealed class ApprovalCheckCacheTests(ApprovalCheckApp app) : IClassFixture<ApprovalCheckApp>
{
    private readonly Scenario _ledger = new(app);

    private static async Task Listening(IServiceProvider services) =>
        await services.GetRequiredService<DeploymentGateListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));

    private static string Decision(JsonElement answer) => answer.GetProperty("decision").GetString()!;

    [Fact]
    public async Task Every_change_stores_the_versions_compact_row_in_its_own_transaction()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        await Row(modelId);
        await _ledger
            .OfficerRavi.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond tolerance" }
            )
            .Expect(HttpStatusCode.OK);

        var row = await Row(modelId);
        Assert.Equal(digest, row.ArtifactDigest);
        Assert.Equal(Domain.Approvals.ApprovalStatus.Revoked, Assert.Single(row.Approvals).Status);
    }

    [Fact]
    public async Task A_deployment_leaves_the_versions_row_as_it_was_and_a_revocation_after_it_still_rewrites_it()
    {
        // Deployments are most of a busy version's events and change nothing the check reads (DeploymentGate.MayChange).
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        await Row(modelId);
        var before = await RowTransaction(modelId);
        // This node keeps the row once a check has read it while no change was heard of (a late notification of another
        // test's version can make one read not count, so ask until it is kept).
        await Listening(app.Services);
        var (gates, key) = (app.Services.GetRequiredService<DeploymentGates>(), ModelVersion.StreamKey(modelId, "1.0.0"));
        for (var n = 0; n < 20 && !gates.Keeps(key); n++)
            await _ledger.Check(modelId, digest);
        Assert.True(gates.Keeps(key));

        await _ledger.Deploy(modelId, digest).Expect(HttpStatusCode.Created);
        await _ledger.Deploy(modelId, digest, run: "run-2").Expect(HttpStatusCode.Created);

        Assert.Equal(before, await RowTransaction(modelId));
        Assert.True(gates.Keeps(key), "the deploying node forgot a version its deployments did not change");
        await _ledger
            .OfficerRavi.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond tolerance" }
            )
            .Expect(HttpStatusCode.OK);
        Assert.NotEqual(before, await RowTransaction(modelId));
        Assert.False(gates.Keeps(key));
        Assert.Equal(Domain.Approvals.ApprovalStatus.Revoked, Assert.Single((await Row(modelId)).Approvals).Status);
    }

    /// <summary>The transaction that last wrote the version's row (<c>xmin</c>).</summary>
    private async Task<string> RowTransaction(string modelId)
    {
        await using var data = NpgsqlDataSource.Create(app.ConnectionString);
        await using var read = data.CreateCommand("select xmin::text from governance.mt_doc_deploymentgate where id = $1");
        read.Parameters.AddWithValue(ModelVersion.StreamKey(modelId, "1.0.0"));
        return (string)(await read.ExecuteScalarAsync())!;
    }

    /// <summary>The stored row, asserted equal to the row derived from the version's full state.</summary>
    private async Task<DeploymentGate> Row(string modelId)
    {
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var key = ModelVersion.StreamKey(modelId, "1.0.0");
        var row = await session.LoadAsync<DeploymentGate>(key);
        var version = await session.LoadAsync<ModelVersion>(key);
        Assert.NotNull(row);
        Assert.Equal(JsonSerializer.Serialize(DeploymentGate.Of(version!)), JsonSerializer.Serialize(row));
        return row;
    }

    [Fact]
    public async Task Versions_recorded_before_rows_were_kept_get_their_row_and_no_stored_row_is_overwritten()
    {
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var (earlier, _, _) = await _ledger.ApprovedVersion();
        var (current, _, _) = await _ledger.ApprovedVersion();
        var (earlierKey, currentKey) = (ModelVersion.StreamKey(earlier, "1.0.0"), ModelVersion.StreamKey(current, "1.0.0"));
        // As an earlier release left them: no row for one version; and a row the backfill must not touch for the other.
        await Sql("delete from governance.mt_doc_deploymentgate where id = $1", earlierKey);
        await Sql(
            "update governance.mt_doc_deploymentgate set data = jsonb_set(data, '{artifactDigest}', '\"stored-by-a-command\"') "
                + "where id = $1",
            currentKey
        );

        Assert.True(await DeploymentGates.BackfillAsync(store, CancellationToken.None) >= 1);

        await Row(earlier);
        await using var session = store.QuerySession();
        Assert.Equal("stored-by-a-command", (await session.LoadAsync<DeploymentGate>(currentKey))!.ArtifactDigest);
        Assert.Equal(0, await DeploymentGates.BackfillAsync(store, CancellationToken.None));
    }

    [Fact]
    public async Task A_check_after_a_revocation_states_a_position_at_which_asking_again_gives_the_same_answer()
    {
        await Listening(app.Services);
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var path = $"/api/v1/approvals/check?model={modelId}&version=1.0.0&digest={digest}&environment=production";
        await _ledger.Pipeline.GetAsync(path).Expect(HttpStatusCode.OK);
        await _ledger
            .OfficerRavi.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond tolerance" }
            )
            .Expect(HttpStatusCode.OK);

        // At once, within the time a recent position may be reused: the revocation was heard of, so the position is read anew.
        using var denied = await _ledger.Pipeline.GetAsync(path);
        var position = denied.Headers.GetValues("Ledger-Position").Single();
        Assert.Equal("denied", Decision(await denied.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal("denied", Decision(await _ledger.Pipeline.GetAsync($"{path}&asOfPosition={position}").Expect(HttpStatusCode.OK)));
    }

    [Fact]
    public async Task A_node_answers_from_memory_until_postgresql_notifies_it_of_a_change()
    {
        await Listening(app.Services);
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var key = ModelVersion.StreamKey(modelId, "1.0.0");

        // The row changed without a notification (as no ledger write ever does): the node still answers from memory...
        // The notifications of the setup's own commits may still be on their way, and each makes the node forget the
        // version; so the row is put back and the step tried again until one arrives no more (CI once saw one land here).
        var retire = $"update governance.mt_doc_deploymentgate set data = jsonb_set(data, '{{retiredAt}}', to_jsonb(now())) where id = $1";
        var restore = "update governance.mt_doc_deploymentgate set data = jsonb_set(data, '{retiredAt}', 'null'::jsonb) where id = $1";
        var settled = DateTimeOffset.UtcNow.AddSeconds(10);
        string fromMemory;
        do
        {
            await Sql(restore, key);
            Assert.Equal("allowed", Decision(await _ledger.Check(modelId, digest)));
            await Sql(retire, key);
            fromMemory = Decision(await _ledger.Check(modelId, digest));
        } while (fromMemory != "allowed" && DateTimeOffset.UtcNow < settled);
        Assert.Equal("allowed", fromMemory);

        // ...until the notification arrives, when it reads the primary again.
        await Sql("select pg_notify('governance_deployment_gate', $1)", key);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        JsonElement answer;
        while (Decision(answer = await _ledger.Check(modelId, digest)) == "allowed" && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal("version_retired", answer.GetProperty("reasons")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_revocation_on_one_node_is_refused_at_once_there_and_within_two_seconds_on_another()
    {
        await using var other = app.WithWebHostBuilder(_ => { });
        var pipelineThere = LedgerApp.As(other, "pipeline-ci", Roles.DeploymentPipeline);
        await Listening(app.Services);
        await Listening(other.Services);
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var check = $"/api/v1/approvals/check?model={modelId}&version=1.0.0&digest={digest}&environment=production";
        Assert.Equal("allowed", Decision(await pipelineThere.GetAsync(check).Expect(HttpStatusCode.OK)));
        Assert.Equal("allowed", Decision(await _ledger.Check(modelId, digest)));

        await _ledger
            .OfficerRavi.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond tolerance" }
            )
            .Expect(HttpStatusCode.OK);

        // The committing node forgets the version before the revocation answers.
        Assert.Equal("approval_revoked", (await _ledger.Check(modelId, digest)).GetProperty("reasons")[0].GetProperty("code").GetString());
        var deadline = DateTimeOffset.UtcNow.AddSeconds(2);
        while (Decision(await pipelineThere.GetAsync(check).Expect(HttpStatusCode.OK)) == "allowed" && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(10);
        Assert.Equal("denied", Decision(await pipelineThere.GetAsync(check).Expect(HttpStatusCode.OK)));
    }

    private async Task Sql(string sql, string key)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = key } } };
        await command.ExecuteNonQueryAsync();
    }
}
