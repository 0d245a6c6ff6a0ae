namespace Governance.Ledger.Writing;

/// <summary>
/// Lets this process's commands on one stream take turns: a command waits until the one before it on the same stream has been
/// written, instead of deciding at the same version and losing its race (an optimistic-concurrency conflict and another
/// attempt from a fresh read, which with many callers at once could run out of attempts). Other nodes' commands still race,
/// and the writer's retry answers those. A key is kept only while a command holds or awaits its turn.
/// </summary>
internal sealed class StreamTurns
{
    private readonly Dictionary<string, Turn> _turns = new(StringComparer.Ordinal);

    /// <summary>How many streams have a command holding or awaiting their turn (for tests).</summary>
    internal int Kept
    {
        get
        {
            lock (_turns)
                return _turns.Count;
        }
    }

    /// <summary>Waits for <paramref name="streamKey"/>'s turn; disposing the answer gives it to the next command.</summary>
    /// <exception cref="OperationCanceledException">The caller gave up waiting; it holds no turn.</exception>
    public async Task<IDisposable> TakeAsync(string streamKey, CancellationToken ct)
    {
        Turn turn;
        lock (_turns)
        {
            if (!_turns.TryGetValue(streamKey, out turn!))
                _turns[streamKey] = turn = new Turn();
            turn.Users++;
        }
        try
        {
            await turn.Gate.WaitAsync(ct);
        }
        catch
        {
            Leave(streamKey, turn);
            throw;
        }
        return new Held(this, streamKey, turn);
    }

    private void Leave(string streamKey, Turn turn)
    {
        lock (_turns)
            if (--turn.Users == 0)
                _turns.Remove(streamKey);
    }

    private sealed class Turn
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Commands holding or awaiting this turn (changed under the dictionary's lock).</summary>
        public int Users { get; set; }
    }

    private sealed class Held(StreamTurns turns, string streamKey, Turn turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
                return;
            turn.Gate.Release();
            turns.Leave(streamKey, turn);
        }
    }
}
