using Governance.Ledger.Sequencing;
using Npgsql;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// Holds the transaction appending to one stream: a trigger on the event table waits, inside that transaction and after
/// the event is numbered, for an advisory lock the test holds until <see cref="ReleaseAsync"/>.
/// </summary>
public sealed class AppendHold : IAsyncDisposable
{
    private const long TestLockKey = 424242;
    private readonly NpgsqlConnection _connection;

    private AppendHold(NpgsqlConnection connection) => _connection = connection;

    public static async Task<AppendHold> ArmAsync(string connectionString, string streamKey)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var hold = new AppendHold(connection);
        await hold.ExecuteAsync($"select pg_advisory_lock({TestLockKey})");
        await hold.ExecuteAsync(
            $"""
            create or replace function governance.test_hold_append() returns trigger language plpgsql as $$
            begin
              if new.stream_id = '{streamKey}' then perform pg_advisory_xact_lock_shared({TestLockKey}); end if;
              return new;
            end $$;
            create or replace trigger test_hold_append after insert on governance.mt_events
              for each row execute function governance.test_hold_append();
            """
        );
        return hold;
    }

    /// <summary>Until the chosen stream's append waits in its trigger: numbered, uncommitted.</summary>
    public Task UntilHeldAsync() => UntilWaitingAsync(TestLockKey);

    /// <summary>Until a reader waits for the append lock, exclusively, behind the held append.</summary>
    public Task UntilReaderWaitsAsync() => UntilWaitingAsync(SafePosition.AppendLockKey);

    public Task ReleaseAsync() => ExecuteAsync($"select pg_advisory_unlock({TestLockKey})");

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync("drop trigger if exists test_hold_append on governance.mt_events");
        await _connection.DisposeAsync();
    }

    private async Task UntilWaitingAsync(long key)
    {
        // A bigint advisory key shows in pg_locks as its high and low 32 bits (classid, objid); advisory locks belong to a
        // database, and other tests hold the same keys in theirs.
        var sql =
            $"select count(*) from pg_locks where locktype = 'advisory' and not granted "
            + "and database = (select oid from pg_database where datname = current_database()) "
            + $"and classid::bigint = {(key >> 32) & 0xffffffff} and objid::bigint = {key & 0xffffffff}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var command = new NpgsqlCommand(sql, _connection);
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nothing waited for advisory lock {key}");
            await Task.Delay(20);
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync();
    }
}
