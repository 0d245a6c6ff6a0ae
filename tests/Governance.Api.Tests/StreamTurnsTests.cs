using Governance.Ledger.Writing;

namespace Governance.Api.Tests;

/// <summary>Commands of one process on the same streams take turns; on different streams they do not wait for each other.</summary>
public class StreamTurnsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_command_sharing_any_stream_with_another_waits_for_it_and_others_do_not()
    {
        var turns = new StreamTurns();
        var deployment = await turns.TakeAsync(["model@1.0.0", "slot:model/production"], CancellationToken.None);

        var sameSlot = turns.TakeAsync(["slot:model/production", "model@1.1.0"], CancellationToken.None);
        var otherModel = await turns.TakeAsync(["other@1.0.0", "slot:other/production"], CancellationToken.None).WaitAsync(Bound);
        Assert.False(sameSlot.IsCompleted);

        deployment.Dispose();
        (await sameSlot.WaitAsync(Bound)).Dispose();
        otherModel.Dispose();
        Assert.Equal(0, turns.Kept);
    }

    [Fact]
    public async Task Commands_naming_the_same_streams_in_opposite_orders_never_wait_on_each_other_in_a_cycle()
    {
        var turns = new StreamTurns();
        var rounds = Enumerable
            .Range(0, 200)
            .Select(n =>
                Task.Run(async () =>
                {
                    using var held = await turns.TakeAsync(n % 2 == 0 ? ["a", "b"] : ["b", "a", "b"], CancellationToken.None);
                    await Task.Yield();
                })
            );

        await Task.WhenAll(rounds).WaitAsync(Bound);
        Assert.Equal(0, turns.Kept);
    }

    [Fact]
    public async Task A_command_that_gives_up_waiting_holds_nothing_and_leaves_no_key_behind()
    {
        var turns = new StreamTurns();
        var first = await turns.TakeAsync(["slot:model/production"], CancellationToken.None);
        using var giveUp = new CancellationTokenSource();

        // It takes "model@1.0.0" first (ordinal order), then waits for the slot, and must give the version back when it gives up.
        var waiting = turns.TakeAsync(["slot:model/production", "model@1.0.0"], giveUp.Token);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        (await turns.TakeAsync(["model@1.0.0"], CancellationToken.None).WaitAsync(Bound)).Dispose();
        first.Dispose();
        first.Dispose();
        Assert.Equal(0, turns.Kept);
    }
}
