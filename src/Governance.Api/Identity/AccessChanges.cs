using Governance.Api.Hosting;
using Governance.Ledger.Coordination;
using Npgsql;

namespace Governance.Api.Identity;

/// <summary>
/// Tells every API node that a person's roles or account, a machine client, or a web UI session changed, so that
/// <see cref="CurrentAccess"/> forgets what it knew at once: directly in this process, and on the other nodes through PostgreSQL
/// <c>NOTIFY governance_access_changed</c> (payload: the <see cref="CurrentAccess"/> key), which each node's listener receives.
/// A node that could not listen for a while (database restart, network) forgets everything when it listens again, since it may
/// have missed changes; without notifications nothing is kept longer than <see cref="SessionSettings.AccessCacheDuration"/>.
/// </summary>
public sealed class AccessChanges(CurrentAccess access, IConfiguration configuration, ILogger<AccessChanges> logger) : BackgroundService
{
    public const string Channel = "governance_access_changed";

    private readonly ChannelListener _listener = new(
        GovernanceHost.ConnectionString(configuration),
        Channel,
        access.Invalidate,
        access.InvalidateAll,
        logger
    );

    /// <summary>Completes once this node listens for changes (tests wait for it before changing an account).</summary>
    public Task Listening => _listener.Listening;

    /// <summary>Reports a change of <paramref name="key"/> here and to the other nodes. The change is already stored: if the
    /// notification cannot be sent, other nodes see it within the cache duration, which is logged.</summary>
    public async Task PublishAsync(string key, CancellationToken ct)
    {
        access.Invalidate(key);
        try
        {
            await using var connection = new NpgsqlConnection(GovernanceHost.ConnectionString(configuration));
            await connection.OpenAsync(ct);
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection)
            {
                Parameters =
                {
                    new() { Value = Channel },
                    new() { Value = key },
                },
            };
            await notify.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Could not notify other nodes of an access change to {Key}; they see it within their cache duration", key);
        }
    }

    /// <summary>Listens for changes until the host stops (<see cref="ChannelListener"/>).</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _listener.RunAsync(stoppingToken);
}
