using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>The API on a database of its own, so that no other test's appends join or hold its batches.</summary>
public sealed class GroupCommitApp : LedgerApp;

/// <summary>
/// Group commit in the ledger's single write path (issue 19, item 2): concurrent commands on different streams are written in
/// one transaction, each keeping its own answer (a stale one its conflict, an idempotent retry its replay), with its own
/// idempotent answer and outbox rows, while a refusal writes nothing. The test holds the append lock exclusively (as a reader of
/// the safe position does) so that commands pile up behind the flushes already running and then go in one batch.
/// </summary>
public sealed class GroupCommitTests(GroupCommitApp app) : IClassFixture<GroupCommitApp>
{
    private static readonly Caller Owner = Caller.FromToken("owner-olivia", null, [Roles.ModelOwner]);
    private static readonly Caller Pipeline = Caller.FromToken("pipeline-ci", "pipeline-ci", [Roles.DeploymentPipeline]);

    [Fact]
    public async Task Concurrent_commands_commit_in_one_transaction_and_a_stale_one_answers_its_conflict_while_the_others_commit()
    {
        var models = await ModelsAsync(7);
        var unapproved = models[6];
        var digest = await new Scenario(app).RegisterVersion(unapproved);
        await using var db = await ProbedDatabaseAsync();
        var inventory = app.Services.GetRequiredService<ModelInventory>();
        var deployments = app.Services.GetRequiredService<DeploymentRecords>();
        var commits = app.Services.GetRequiredService<GroupCommit>();
        var correlation = Scenario.NewId("batch");
        var key = Scenario.NewId("key");
        Task<Written<Model>> Delegate(
            string model,
            string delegateId,
            long? expected = null,
            string? idempotencyKey = null,
            string? correlationId = null
        ) =>
            inventory.AddDelegateAsync(
                new AddModelDelegate(model, $"user:{delegateId}", "cover"),
                new CommandCall(
                    Owner,
                    correlationId ?? correlation,
                    expected,
                    idempotencyKey,
                    idempotencyKey is null ? null : "fingerprint"
                ),
                CancellationToken.None
            );

        Task<Written<Model>>[] blockers;
        Task<Written<Model>> first,
            second,
            keyed,
            other;
        Task<Written<DeploymentOutcome>> refusedDeployment;
        await using (var hold = await AppendLockHold.TakeAsync(app.ConnectionString))
        {
            // Every flush is taken by a command waiting for the lock; what comes next queues behind them.
            blockers = models[4..(4 + GroupCommit.ConcurrentFlushes)].Select(m => Delegate(m, "bo", correlationId: "blocker")).ToArray();
            await Until(async () => await hold.WaitersAsync() == GroupCommit.ConcurrentFlushes);
            // Two commands on the same stream decided at the same version: in one batch only the first to be written commits.
            first = Delegate(models[0], "dana", expected: 1);
            second = Delegate(models[0], "dmitri", expected: 1);
            keyed = Delegate(models[1], "kim", idempotencyKey: key);
            other = Delegate(models[2], "omar");
            refusedDeployment = deployments.RecordDeploymentAsync(
                new VersionRef(unapproved, "1.0.0"),
                new RecordDeployment("production", "run-1", digest, null),
                new CommandCall(Pipeline, correlation),
                CancellationToken.None
            );
            // A refusal by the domain is thrown before anything is queued, and writes nothing.
            var refusal = await Assert.ThrowsAsync<GovernanceRuleException>(() => Delegate(Scenario.NewId("missing"), "nina"));
            Assert.NotEqual(LedgerWriter.StaleVersion, refusal.Code);
            await Until(() => Task.FromResult(commits.Waiting == 5));
        }
        await Task.WhenAll(blockers);

        var outcomes = await Task.WhenAll(Outcome(first), Outcome(second));
        Assert.Equal(1, outcomes.Count(o => o == LedgerWriter.StaleVersion));
        Assert.Equal(1, outcomes.Count(o => o == "committed"));
        Assert.False((await keyed).Replayed);
        await other;
        Assert.NotNull((await refusedDeployment).Result.Refused);

        // Every event of the batch, on four streams, was written by one transaction (each command in a subtransaction of its
        // own, whose id is the rows' xmin); the stale command wrote nothing.
        var written = await Rows(
            db,
            "select e.stream_id, e.xmin::text, p.top_xid::text from governance.mt_events e join public.batch_probe p using (seq_id) "
                + "where e.correlation_id = $1",
            correlation
        );
        Assert.Equal(4, written.Count);
        Assert.Single(written, r => r[0] == models[0]);
        Assert.Single(written.Select(r => r[2]).Distinct());
        Assert.Equal(4, written.Select(r => r[1]).Distinct().Count());
        // The keyed command's stored answer and the refused deployment's outbox row were written in their command's own
        // subtransaction, so they commit (or roll back) with its events.
        var answer = await Rows(
            db,
            "select xmin::text from governance.mt_doc_idempotentanswer where id = $1",
            LedgerWriter.IdempotencyId(Owner, key)
        );
        Assert.Equal(written.Single(r => r[0] == models[1])[1], Assert.Single(answer)[0]);
        var versionStream = new VersionRef(unapproved, "1.0.0").StreamKey;
        var outbox = await Rows(
            db,
            "select xmin::text from governance.mt_doc_webhookoutboxmessage where data ->> 'subject' = $1",
            versionStream
        );
        Assert.Equal(written.Single(r => r[0] == versionStream)[1], Assert.Single(outbox)[0]);
        // A retry with the same key replays the answer and writes nothing; a lone command still commits at once.
        var retry = await Delegate(models[1], "kim", idempotencyKey: key);
        Assert.True(retry.Replayed);
        Assert.Equal((await keyed).Version, retry.Version);
        await Delegate(models[3], "lone");
        Assert.Equal(5, (await Rows(db, "select 1 from governance.mt_events where correlation_id = $1", correlation)).Count);
    }

    [Fact]
    public async Task A_batch_is_written_as_one_unit_of_work_and_a_conflict_found_only_on_writing_fails_just_its_command()
    {
        var models = await ModelsAsync(5);
        await using var db = await ProbedDatabaseAsync();
        var inventory = app.Services.GetRequiredService<ModelInventory>();
        var commits = app.Services.GetRequiredService<GroupCommit>();
        Task<Written<Model>> Register(string model, string correlation) =>
            inventory.RegisterAsync(
                new RegisterModel(model, model, "credit scoring", RiskTier.Low, null, ["EU"], null),
                new CommandCall(Owner, correlation),
                CancellationToken.None
            );
        Task<Written<Model>> Delegate(string model, string delegateId, string correlation) =>
            inventory.AddDelegateAsync(
                new AddModelDelegate(model, $"user:{delegateId}", "cover"),
                new CommandCall(Owner, correlation),
                CancellationToken.None
            );

        // Without a conflict: every command's events in one transaction, without savepoints (one xmin for all).
        var clean = Scenario.NewId("clean");
        var batch = await BatchAsync(
            commits,
            [() => Delegate(models[3], "bo", "blocker"), () => Delegate(models[4], "bea", "blocker")],
            [() => Delegate(models[0], "ann", clean), () => Delegate(models[1], "ben", clean), () => Delegate(models[2], "cal", clean)]
        );
        await Task.WhenAll(batch);
        var written = await Rows(
            db,
            "select e.xmin::text, p.top_xid::text from governance.mt_events e join public.batch_probe p using (seq_id) "
                + "where e.correlation_id = $1",
            clean
        );
        Assert.Equal(3, written.Count);
        Assert.Single(written.Select(r => r[1]).Distinct());
        Assert.Single(written.Select(r => r[0]).Distinct());

        // A model registered twice at once: the second start of its stream is found only when the batch writes, so the batch
        // is written again with a savepoint per command; only the late registration answers the conflict.
        var raced = Scenario.NewId();
        var late = Scenario.NewId("late");
        batch = await BatchAsync(
            commits,
            [() => Register(raced, "first"), () => Delegate(models[2], "bea", "blocker")],
            [() => Delegate(models[0], "dora", late), () => Register(raced, late), () => Delegate(models[1], "dev", late)]
        );
        Assert.Equal(["committed", LedgerWriter.StaleVersion, "committed"], await Task.WhenAll(batch.Select(Outcome)));
        written = await Rows(
            db,
            "select e.stream_id, p.top_xid::text from governance.mt_events e join public.batch_probe p using (seq_id) "
                + "where e.correlation_id = $1",
            late
        );
        Assert.Equal([models[0], models[1]], written.Select(r => r[0]).Order());
        Assert.Single(written.Select(r => r[1]).Distinct());
    }

    /// <summary>Starts <paramref name="blockers"/> and, once they hold every flush waiting for the append lock (which the test
    /// holds), <paramref name="commands"/>; lets the lock go once all of them are queued, so they go in one batch.</summary>
    private async Task<Task<Written<Model>>[]> BatchAsync(
        GroupCommit commits,
        Func<Task<Written<Model>>>[] blockers,
        Func<Task<Written<Model>>>[] commands
    )
    {
        Assert.True(blockers.Length == GroupCommit.ConcurrentFlushes, "one blocker a flush");
        Task<Written<Model>>[] started;
        Task<Written<Model>>[] blocking;
        await using (var hold = await AppendLockHold.TakeAsync(app.ConnectionString))
        {
            blocking = blockers.Select(b => b()).ToArray();
            await Until(async () => await hold.WaitersAsync() == blockers.Length);
            started = commands.Select(c => c()).ToArray();
            await Until(() => Task.FromResult(commits.Waiting == commands.Length));
        }
        await Task.WhenAll(blocking);
        return started;
    }

    private async Task<string[]> ModelsAsync(int count)
    {
        var scenario = new Scenario(app);
        var models = new string[count];
        for (var i = 0; i < count; i++)
            models[i] = await scenario.RegisterModel(Scenario.NewId());
        return models;
    }

    /// <summary>A connection to the test database, with a test-only probe: each event's top-level transaction id
    /// (<c>txid_current()</c> in a subtransaction names its parent), by sequence number, in <c>public.batch_probe</c>.</summary>
    private async Task<NpgsqlConnection> ProbedDatabaseAsync()
    {
        var db = new NpgsqlConnection(app.ConnectionString);
        await db.OpenAsync();
        await using var probe = new NpgsqlCommand(
            "create table if not exists public.batch_probe (seq_id bigint primary key, top_xid bigint not null); "
                + "create or replace function public.batch_probe() returns trigger language plpgsql as "
                + "$$ begin insert into public.batch_probe values (new.seq_id, txid_current()); return new; end $$; "
                + "create or replace trigger batch_probe after insert on governance.mt_events for each row "
                + "execute function public.batch_probe()",
            db
        );
        await probe.ExecuteNonQueryAsync();
        return db;
    }

    private static async Task<string> Outcome(Task<Written<Model>> command)
    {
        try
        {
            await command;
            return "committed";
        }
        catch (GovernanceRuleException e)
        {
            return e.Code;
        }
    }

    private static async Task<List<string[]>> Rows(NpgsqlConnection db, string sql, string parameter)
    {
        await using var command = new NpgsqlCommand(sql, db) { Parameters = { new() { Value = parameter } } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()!).ToArray());
        return rows;
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the commands to queue");
            await Task.Delay(20);
        }
    }

    /// <summary>The append lock held exclusively on a connection of its own until disposed; appenders wait for it.</summary>
    private sealed class AppendLockHold(NpgsqlConnection connection) : IAsyncDisposable
    {
        public static async Task<AppendLockHold> TakeAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var take = new NpgsqlCommand($"select pg_advisory_lock({SafePosition.AppendLockKey})", connection);
            await take.ExecuteNonQueryAsync();
            return new AppendLockHold(connection);
        }

        /// <summary>Transactions of this database waiting for an advisory lock.</summary>
        public async Task<long> WaitersAsync()
        {
            await using var count = new NpgsqlCommand(
                "select count(*) from pg_locks where locktype = 'advisory' and not granted "
                    + "and database = (select oid from pg_database where datname = current_database())",
                connection
            );
            return (long)(await count.ExecuteScalarAsync())!;
        }

        public async ValueTask DisposeAsync()
        {
            await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({SafePosition.AppendLockKey})", connection))
                await release.ExecuteNonQueryAsync();
            await connection.DisposeAsync();
        }
    }
}
