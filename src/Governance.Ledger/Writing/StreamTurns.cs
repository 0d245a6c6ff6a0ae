namespace Governance.Ledger.Writing;

/// <summary>
/// Lets this process's commands on the same streams take turns: a command waits until the one before it on any of its streams
/// has been written, instead of deciding at the same versions and losing its race (an optimistic-concurrency conflict and
/// another attempt from a fresh read, which with many callers at once could run out of attempts). A command names every
/// stream it writes that others write at once (a deployment: its version and its slot); the turns are taken in ordinal key
/// order, so two commands never wait on each other in a cycle. Other nodes' commands, and writes this process makes
/// without turns, still race, and the writer's retry answers those. A key is kept only while a command holds or awaits it.
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

    /// <summary>Waits for the turn of every one of <paramref name="streamKeys"/> (duplicates taken once), in ordinal order;
    /// disposing the answer gives them to the next commands.</summary>
    /// <exception cref="OperationCanceledException">The caller gave up waiting; it holds no turn.</exception>
    public async Task<IDisposable> TakeAsync(IEnumerable<string> streamKeys, CancellationToken ct)
    {
        var held = new List<Held>();
        try
        {
            foreach (var key in streamKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                held.Add(await TakeOneAsync(key, ct));
        }
        catch
        {
            Release(held);
            throw;
        }
        return new All(held);
    }

    private async Task<Held> TakeOneAsync(string streamKey, CancellationToken ct)
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

    private static void Release(List<Held> held)
    {
        for (var i = held.Count - 1; i >= 0; i--)
            held[i].Dispose();
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
        public void Dispose()
        {
            turn.Gate.Release();
            turns.Leave(streamKey, turn);
        }
    }

    /// <summary>A command's turns, given back in reverse order, once however often it is disposed.</summary>
    private sealed class All(List<Held> held) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                Release(held);
        }
    }
}
