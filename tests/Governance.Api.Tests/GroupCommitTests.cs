using System.Net;
using System.Net.Http.Json;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Deployments;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger;
using Governance.Ledger.Deployments;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.SecurityLog;
using Governance.Ledger.Writing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>A ledger node that writes one transaction of commands at a time, so that the tests can make commands wait for it.</summary>
public sealed class GroupCommitApp : LedgerApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:Database:GroupCommitters", "1");
    }
}

/// <summary>
/// Group commit (issue 19, item 2): commands decided while a transaction is being written wait and are written together, each
/// keeping its own answer, correlation id and idempotency record; one command's lost race in a shared transaction fails only
/// that command. The node's one committer is held by a security-log append paused in a trigger (<see cref="AppendHold"/>).
/// </summary>
public sealed class GroupCommitTests(GroupCommitApp app) : IClassFixture<GroupCommitApp>
{
    private readonly Scenario _ledger = new(app);
    private readonly GroupCommit _group = app.Services.GetRequiredService<GroupCommit>();

    [Fact]
    public async Task Commands_decided_while_a_transaction_is_written_are_written_together_each_with_its_own_answer()
    {
        var approved = new List<(string ModelId, string Digest)>();
        for (var i = 0; i < 3; i++)
        {
            var (modelId, digest, _) = await _ledger.ApprovedVersion();
            approved.Add((modelId, digest));
        }
        var unapproved = await _ledger.RegisterModel(Scenario.NewId());
        var unapprovedDigest = await _ledger.RegisterVersion(unapproved);

        await using var hold = await HoldTheCommitterAsync();
        var deployments = approved.Select((v, i) => Send(Deployment(v.ModelId, v.Digest, $"run-{i}", key: $"key-{i}"))).ToList();
        var refusal = Send(Deployment(unapproved, unapprovedDigest, "run-refused", key: "key-refused"));
        await UntilWaitingAsync(4);
        await hold.ReleaseAsync();

        var answers = new List<string>();
        foreach (var deployment in deployments)
        {
            using var response = await deployment;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        using (var refused = await refusal)
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        // One transaction for the four commands (not the held one), each event with its own command's correlation id.
        var written = await EventsAsync([.. approved.Select(v => v.ModelId), unapproved]);
        Assert.Equal(3 * 3 + 1, written.Count);
        Assert.Single(written.Select(e => e.Transaction).Distinct());
        foreach (var (modelId, i) in approved.Select((v, i) => (v.ModelId, i)))
            Assert.All(written.Where(e => e.Stream.Contains(modelId)), e => Assert.Equal($"corr-run-{i}", e.CorrelationId));
        Assert.Equal("corr-run-refused", Assert.Single(written, e => e.Stream.Contains(unapproved)).CorrelationId);
        for (var i = 0; i < approved.Count; i++)
        {
            var deployed = Assert.Single((await _ledger.GetVersion(approved[i].ModelId)).GetProperty("deployments").EnumerateArray());
            Assert.Equal($"run-{i}", deployed.GetProperty("pipelineRunId").GetString());
        }

        // Each command's idempotency record was written with it: a retry is answered from it and writes nothing.
        var before = await app.EventCount();
        using var retry = await Send(Deployment(approved[1].ModelId, approved[1].Digest, "run-1", key: "key-1"));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(answers[1], await retry.Content.ReadAsStringAsync());
        Assert.Equal(before, await app.EventCount());
    }

    [Fact]
    public async Task One_commands_lost_race_in_a_shared_transaction_fails_only_that_command()
    {
        var (raced, racedDigest, _) = await _ledger.ApprovedVersion();
        var (second, secondDigest, _) = await _ledger.ApprovedVersion();
        var (third, thirdDigest, _) = await _ledger.ApprovedVersion();
        // Each sent with the version it read (If-Match), so that no command is decided again after a conflict: each must get its
        // own answer from the first attempt.
        string[] etags = [await EtagAsync(raced), await EtagAsync(second), await EtagAsync(third)];

        await using var hold = await HoldTheCommitterAsync();
        var stale = Send(Deployment(raced, racedDigest, "run-stale", ifMatch: etags[0]));
        var others = new[]
        {
            Send(Deployment(second, secondDigest, "run-second", ifMatch: etags[1])),
            Send(Deployment(third, thirdDigest, "run-third", ifMatch: etags[2])),
        };
        await UntilWaitingAsync(3);
        // Another node deploys the raced version while the three wait: the first command's expected version is now stale.
        await using (var otherNode = OtherNode())
            await otherNode
                .GetRequiredService<DeploymentRecords>()
                .RecordDeploymentAsync(
                    new VersionRef(raced, "1.0.0"),
                    new RecordDeployment("production", "run-other-node", racedDigest, null),
                    new CommandCall(Caller.FromToken("other-node", "other-node", [Roles.DeploymentPipeline]), "corr-other-node"),
                    CancellationToken.None
                );
        await hold.ReleaseAsync();

        await stale.ExpectProblem(HttpStatusCode.Conflict, "concurrency.stale_version");
        foreach (var other in others)
            await other.Expect(HttpStatusCode.Created);
        var runs = (await _ledger.GetVersion(raced))
            .GetProperty("deployments")
            .EnumerateArray()
            .Select(d => d.GetProperty("pipelineRunId").GetString());
        Assert.Equal(["run-other-node"], runs);
        // The lost race was found before anything was written, so the other two still share their transaction, and no event
        // number was given and then taken back (Marten would have recorded such numbers as tombstone events).
        Assert.Single((await EventsAsync([second, third])).Select(e => e.Transaction).Distinct());
        Assert.Equal(0L, await ScalarAsync("select count(*) from governance.mt_events where stream_id = 'mt_tombstone'"));
    }

    [Fact]
    public async Task A_shared_transaction_that_PostgreSQL_refuses_is_written_again_command_by_command()
    {
        var (first, firstDigest, _) = await _ledger.ApprovedVersion();
        var (second, secondDigest, _) = await _ledger.ApprovedVersion();
        var (third, thirdDigest, _) = await _ledger.ApprovedVersion();
        // Sent with If-Match, so that no command is decided again after a conflict.
        var (firstTag, secondTag, thirdTag) = (await EtagAsync(first), await EtagAsync(second), await EtagAsync(third));

        await using var hold = await HoldTheCommitterAsync();
        // One pipeline sends two different requests with one Idempotency-Key: their idempotency records collide in the shared
        // transaction, which PostgreSQL refuses (a unique key), after the group's events were appended.
        var reused = new[]
        {
            Send(Deployment(first, firstDigest, "run-first", key: "one-key", ifMatch: firstTag)),
            Send(Deployment(second, secondDigest, "run-second", key: "one-key", ifMatch: secondTag)),
        };
        var unrelated = app.AsClient("pipeline-other", Roles.DeploymentPipeline)
            .SendAsync(Deployment(third, thirdDigest, "run-third", ifMatch: thirdTag));
        await UntilWaitingAsync(3);
        await hold.ReleaseAsync();

        var answers = new List<(HttpStatusCode Status, string Body)>();
        foreach (var request in reused)
        {
            using var response = await request;
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        // Written alone, in the order they waited: whichever came first keeps the key, the other is told it was reused.
        Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.Contains("idempotency.key_reused", Assert.Single(answers, a => a.Status == HttpStatusCode.Conflict).Body);
        await unrelated.Expect(HttpStatusCode.Created);
        var written = await EventsAsync([first, second, third]);
        Assert.Equal(2, written.Select(e => e.Transaction).Distinct().Count());
        Assert.Equal(2 * 3, written.Count);
    }

    [Theory]
    [InlineData("40P01", true)]
    [InlineData("40001", true)]
    [InlineData("23502", false)]
    [InlineData("57P01", false)]
    public void A_deadlock_or_serialization_failure_is_a_conflict_to_retry_and_other_errors_are_not(string sqlState, bool conflict)
    {
        // With Marten's own commit retry off (it would retry without the append lock), these reach the ledger's retry instead.
        var raised = new PostgresException("raised", "ERROR", "ERROR", sqlState);
        var wrapped = new InvalidOperationException("the batch failed", raised);
        Assert.Equal(conflict, LedgerWriter.Conflict(raised) is { Code: LedgerWriter.StaleVersion });
        Assert.Equal(conflict, LedgerWriter.Conflict(wrapped) is { Code: LedgerWriter.StaleVersion });
    }

    [Theory]
    [InlineData(null, LedgerOptions.DefaultGroupCommitters)]
    [InlineData("1", 1)]
    [InlineData("8", 8)]
    [InlineData("0", null)]
    [InlineData("-2", null)]
    [InlineData("two", null)]
    [InlineData("1.5", null)]
    public void The_number_of_committers_is_a_whole_number_of_at_least_one_or_the_node_does_not_start(string? setting, int? committers)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Governance:Database:GroupCommitters", setting)])
            .Build();
        if (committers is { } expected)
            Assert.Equal(expected, GovernanceHost.GroupCommitters(configuration));
        else
            Assert.Contains(
                $"Governance:Database:GroupCommitters must be a whole number of at least 1, not '{setting}'",
                Assert.Throws<ConfigurationProblem>(() => GovernanceHost.GroupCommitters(configuration)).Message
            );
    }

    /// <summary>Holds the node's one committer inside a security-log append, until released.</summary>
    private async Task<AppendHold> HoldTheCommitterAsync()
    {
        var held = Scenario.NewId("held");
        var hold = await AppendHold.ArmAsync(app.ConnectionString, SecurityLog.StreamKey(held));
        var subject = new Actor(held, held, "Anonymous");
        _ = app
            .Services.GetRequiredService<SecurityLogBook>()
            .RecordAsync(new SignInFailed(held, held, "bad_password", new Audit(subject, DateTimeOffset.UtcNow, "test", "c1")), default);
        await hold.UntilHeldAsync();
        return hold;
    }

    private async Task<string> EtagAsync(string modelId)
    {
        using var read = await _ledger.Auditor.GetAsync(Scenario.VersionPath(modelId));
        return read.Headers.ETag!.Tag;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task UntilWaitingAsync(int commands)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_group.Waiting < commands)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_group.Waiting} commands waited for the committer, not {commands}");
            await Task.Delay(20);
        }
    }

    private static HttpRequestMessage Deployment(string modelId, string digest, string run, string? key = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments")
        {
            Content = JsonContent.Create(
                new
                {
                    environment = "production",
                    pipelineRunId = run,
                    artifactDigest = digest,
                }
            ),
            Headers = { { "X-Correlation-Id", $"corr-{run}" } },
        };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        if (ifMatch is not null)
            request.Headers.Add("If-Match", ifMatch);
        return request;
    }

    private Task<HttpResponseMessage> Send(HttpRequestMessage request) => _ledger.Pipeline.SendAsync(request);

    /// <summary>A second node's ledger on the same database, with a committer of its own.</summary>
    private ServiceProvider OtherNode() =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddGovernanceLedger(new LedgerOptions(app.ConnectionString, Directory.CreateTempSubdirectory("other-node-keys-").FullName))
            .BuildServiceProvider();

    /// <summary>The deployment events of <paramref name="models"/>' versions and slots: stream, correlation id, and the id of the
    /// transaction that wrote them.</summary>
    private async Task<List<(string Stream, string? CorrelationId, string Transaction)>> EventsAsync(IReadOnlyList<string> models)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand(
            "select stream_id, correlation_id, xmin::text from governance.mt_events where type in "
                + "('deployment_started', 'deployment_completed', 'model_version_deployed', 'deployment_refused') "
                + "and split_part(split_part(stream_id, '@', 1), '/', 1) = any($1::text[]) order by seq_id",
            connection
        )
        {
            Parameters = { new() { Value = models.SelectMany(m => new[] { m, $"slot:{m}" }).ToArray() } },
        };
        var events = new List<(string, string?, string)>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            events.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2)));
        return events;
    }
}
