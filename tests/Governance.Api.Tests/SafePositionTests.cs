using System.Diagnostics;
using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.SecurityLog;
using Governance.Ledger.Sequencing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// Paging on sequence numbers skips nothing: an append numbered earlier but committed later is neither overtaken on a page by
/// a later event nor left behind (issue 10, item 10). The test hook is a trigger in the test database that holds one
/// chosen stream's appending transaction open after its event is numbered, until the test lets it go.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class SafePositionTests(LedgerApp app)
{
    [Fact]
    public async Task A_page_waits_for_an_append_numbered_earlier_and_still_in_flight_so_that_paging_skips_nothing()
    {
        var log = app.Services.GetRequiredService<SecurityLogBook>();
        await log.RecordAsync(Failure(Scenario.NewId("u")), CancellationToken.None);
        var seen = (await log.PageAsync(null, 500, CancellationToken.None)).Events[^1].Sequence;

        var (early, late) = (Scenario.NewId("held"), Scenario.NewId("late"));
        await using var hold = await AppendHold.ArmAsync(app.ConnectionString, SecurityLog.StreamKey(early));
        var earlyAppend = log.RecordAsync(Failure(early), CancellationToken.None);
        await hold.UntilHeldAsync();
        await log.RecordAsync(Failure(late), CancellationToken.None);

        var page = log.PageAsync(seen, 500, CancellationToken.None);
        await hold.UntilReaderWaitsAsync();
        Assert.False(page.IsCompleted, "a page was answered while an earlier-numbered append was still in flight");
        await hold.ReleaseAsync();
        await earlyAppend;

        var subjects = (await page).Events.Select(e => e.Subject).ToArray();
        Assert.Equal([early, late], subjects);
    }

    [Fact]
    public async Task A_model_trail_page_stops_at_the_safe_position()
    {
        var scenario = new Scenario(app);
        var modelId = await scenario.RegisterModel(Scenario.NewId());
        var held = Scenario.NewId("held");
        await using var hold = await AppendHold.ArmAsync(app.ConnectionString, SecurityLog.StreamKey(held));
        var log = app.Services.GetRequiredService<SecurityLogBook>();
        var heldAppend = log.RecordAsync(Failure(held), CancellationToken.None);
        await hold.UntilHeldAsync();

        var page = scenario.Auditor.GetAsync($"/api/v1/models/{modelId}/audit-trail").Expect(HttpStatusCode.OK);
        await hold.UntilReaderWaitsAsync();
        Assert.False(page.IsCompleted, "the trail was answered past an append still in flight");
        await hold.ReleaseAsync();
        await heldAppend;
        Assert.Single((await page).GetProperty("events").EnumerateArray());
        Assert.True(await app.Services.GetRequiredService<SafePosition>().ReadAsync(CancellationToken.None) > 0);
    }

    [Fact]
    public async Task Concurrent_readers_share_one_read_that_starts_after_they_ask()
    {
        var log = app.Services.GetRequiredService<SecurityLogBook>();
        var safe = app.Services.GetRequiredService<SafePosition>();
        var held = Scenario.NewId("held");
        await using var hold = await AppendHold.ArmAsync(app.ConnectionString, SecurityLog.StreamKey(held));
        var heldAppend = log.RecordAsync(Failure(held), CancellationToken.None);
        await hold.UntilHeldAsync();

        var first = safe.ReadAsync(CancellationToken.None);
        await hold.UntilReaderWaitsAsync();
        // Asked while the first read waits: they may not share it (it began before they asked), so they gather for the next.
        var later = Enumerable.Range(0, 20).Select(_ => safe.ReadAsync(CancellationToken.None)).ToArray();
        await Task.Delay(300);
        Assert.Equal(1, await ReadersWaitingAsync());
        await hold.ReleaseAsync();
        await heldAppend;

        var positions = await Task.WhenAll(later);
        Assert.Single(positions.Distinct());
        Assert.True(positions[0] >= await first);
        Assert.True(positions[0] >= await SequenceOfAsync(SecurityLog.StreamKey(held)), "the shared read missed the held append");
    }

    [Fact]
    public async Task A_recent_position_is_reused_without_waiting_for_appends_until_it_is_older_than_asked()
    {
        var log = app.Services.GetRequiredService<SecurityLogBook>();
        var clock = new SteppedClock();
        var safe = new SafePosition(app.Services.GetRequiredService<IDocumentStore>(), clock, new DeploymentGates());
        var age = SafePosition.CheckPositionAge;
        var first = await safe.ReadRecentAsync(age, CancellationToken.None);

        var committed = Scenario.NewId("after");
        await log.RecordAsync(Failure(committed), CancellationToken.None);
        var held = Scenario.NewId("held");
        await using var hold = await AppendHold.ArmAsync(app.ConnectionString, SecurityLog.StreamKey(held));
        var heldAppend = log.RecordAsync(Failure(held), CancellationToken.None);
        await hold.UntilHeldAsync();
        clock.Advance(age);
        var reused = safe.ReadRecentAsync(age, CancellationToken.None);
        Assert.True(reused.IsCompleted, "a position read within the age waited for the database");
        Assert.Equal(first, await reused);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = safe.ReadRecentAsync(age, CancellationToken.None);
        await hold.UntilReaderWaitsAsync();
        Assert.False(fresh.IsCompleted, "an older position was reused, or read past an append still in flight");
        await hold.ReleaseAsync();
        await heldAppend;
        Assert.True(await fresh >= await SequenceOfAsync(SecurityLog.StreamKey(held)));
    }

    [Fact]
    public async Task A_position_past_half_its_age_is_still_given_at_once_and_a_fresher_one_is_read_behind_it()
    {
        var clock = new SteppedClock();
        var safe = new SafePosition(app.Services.GetRequiredService<IDocumentStore>(), clock, new DeploymentGates());
        var age = SafePosition.CheckPositionAge;
        var first = await safe.ReadRecentAsync(age, CancellationToken.None);
        var committed = Scenario.NewId("after");
        await app.Services.GetRequiredService<SecurityLogBook>().RecordAsync(Failure(committed), CancellationToken.None);
        var sequence = await SequenceOfAsync(SecurityLog.StreamKey(committed));

        clock.Advance(age / 2);
        Assert.Equal(first, await safe.ReadRecentAsync(age, CancellationToken.None));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var given = new List<long>();
        for (var tries = 0; given.LastOrDefault() < sequence && tries < 500; tries++)
        {
            var position = safe.ReadRecentAsync(age, CancellationToken.None);
            Assert.True(position.IsCompleted, "a check waited for a read while its position was young enough");
            given.Add(await position);
            await Task.Delay(10);
        }

        Assert.Equal(first, given[0]);
        Assert.True(given[^1] >= sequence, "no fresher position was read while the old one was still given");
    }

    [Fact]
    public async Task A_recent_position_is_not_reused_once_a_change_to_a_version_has_been_heard_of()
    {
        var gates = new DeploymentGates();
        var safe = new SafePosition(app.Services.GetRequiredService<IDocumentStore>(), new SteppedClock(), gates);
        var first = await safe.ReadRecentAsync(SafePosition.CheckPositionAge, CancellationToken.None);
        var committed = Scenario.NewId("after");
        await app.Services.GetRequiredService<SecurityLogBook>().RecordAsync(Failure(committed), CancellationToken.None);
        Assert.Equal(first, await safe.ReadRecentAsync(SafePosition.CheckPositionAge, CancellationToken.None));

        // What a revocation committed on this node, or its notification from another, does.
        gates.Forget("some-model@1.0.0");

        Assert.True(
            await safe.ReadRecentAsync(SafePosition.CheckPositionAge, CancellationToken.None)
                >= await SequenceOfAsync(SecurityLog.StreamKey(committed))
        );
    }

    /// <summary>A clock whose timestamps move only when the test says.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks = Stopwatch.GetTimestamp();

        public void Advance(TimeSpan by) => _ticks += (long)(by.TotalSeconds * TimestampFrequency);

        public override long GetTimestamp() => _ticks;
    }

    private async Task<long> ReadersWaitingAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var key = SafePosition.AppendLockKey;
        await using var count = new NpgsqlCommand(
            "select count(*) from pg_locks where locktype = 'advisory' and not granted and mode = 'ExclusiveLock' "
                + "and database = (select oid from pg_database where datname = current_database()) "
                + $"and classid::bigint = {(key >> 32) & 0xffffffff} and objid::bigint = {key & 0xffffffff}",
            connection
        );
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task<long> SequenceOfAsync(string streamKey)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var max = new NpgsqlCommand("select max(seq_id) from governance.mt_events where stream_id = $1", connection)
        {
            Parameters = { new() { Value = streamKey } },
        };
        return (long)(await max.ExecuteScalarAsync())!;
    }

    private static SignInFailed Failure(string subject) =>
        new(subject, subject, "bad_password", new Audit(new Actor(subject, subject, "Anonymous"), DateTimeOffset.UtcNow, "test", "c1"));
}
