using Governance.Ledger.Writing;

namespace Governance.Api.Tests;

/// <summary>Commands of one process on one stream take turns; on different streams they do not wait for each other.</summary>
public class StreamTurnsTests
{
    [Fact]
    public async Task A_second_command_on_a_stream_waits_for_the_first_and_other_streams_do_not()
    {
        var turns = new StreamTurns();
        var first = await turns.TakeAsync("model@1.0.0", CancellationToken.None);

        var second = turns.TakeAsync("model@1.0.0", CancellationToken.None);
        var other = await turns.TakeAsync("model@2.0.0", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        other.Dispose();
        Assert.Equal(0, turns.Kept);
    }

    [Fact]
    public async Task A_command_that_gives_up_waiting_holds_nothing_and_leaves_no_key_behind()
    {
        var turns = new StreamTurns();
        var first = await turns.TakeAsync("model@1.0.0", CancellationToken.None);
        using var giveUp = new CancellationTokenSource();

        var waiting = turns.TakeAsync("model@1.0.0", giveUp.Token);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        first.Dispose();
        Assert.Equal(0, turns.Kept);
        (await turns.TakeAsync("model@1.0.0", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
