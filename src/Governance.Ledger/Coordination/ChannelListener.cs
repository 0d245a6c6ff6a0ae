using Microsoft.Extensions.Logging;
using Npgsql;

namespace Governance.Ledger.Coordination;

/// <summary>
/// Listens on one PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c> channel for as long as it runs, on a dedicated unpooled connection,
/// reconnecting a second after a failure. Its users keep in-memory copies of stored state and drop them when told: since a
/// node that was not listening may have missed notifications, <c>reset</c> is called whenever listening starts again and
/// whenever it stops, and <see cref="IsListening"/> says whether notifications are being received now.
/// </summary>
/// <param name="connectionString">The primary database (never a replica: notifications are sent where the changes commit).</param>
/// <param name="channel">The channel name (an SQL identifier).</param>
/// <param name="notified">Called with each notification's payload, on the listening connection's thread.</param>
/// <param name="reset">Called when listening starts or stops: forget everything.</param>
public sealed class ChannelListener(string connectionString, string channel, Action<string> notified, Action reset, ILogger logger)
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _isListening;

    /// <summary>Completes the first time the listener listens (tests wait for it before changing what it watches).</summary>
    public Task Listening => _listening.Task;

    /// <summary>True while notifications are being received: a copy kept in memory is then current up to their delivery
    /// delay.</summary>
    public bool IsListening => _isListening;

    /// <summary>Listens until <paramref name="ct"/> is cancelled, reconnecting a second after any connection failure.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        // Starting must not wait for the database: the host answers (e.g. 503 on readiness) while it is down.
        await Task.Yield();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString)
                {
                    Pooling = false,
                    KeepAlive = 15,
                    ApplicationName = $"governance-listen-{channel}",
                };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => notified(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                reset();
                _isListening = true;
                _listening.TrySetResult();
                while (true)
                    await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Stop();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
            {
                Stop();
                logger.LogWarning(e, "Not listening on {Channel}; retrying in a second", channel);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Stop()
    {
        _isListening = false;
        reset();
    }
}
