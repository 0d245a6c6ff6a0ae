using Governance.Domain.Security;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Governance.Ledger.Coordination;
using Governance.Ledger.SecurityLog;
using Governance.Ledger.Transparency;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Governance.Ledger.Reconciliation;

/// <summary>How the read-model reconciliation runs.</summary>
/// <param name="Interval">Time between two rounds (positive).</param>
/// <param name="SealedOnly">Rebuild only from events the transparency log has sealed (true where a sealer runs); false: every
/// committed event.</param>
public sealed record ReconciliationOptions(TimeSpan Interval, bool SealedOnly)
{
    /// <summary>How often a follower stands for leadership. Default 5 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Read models are not trusted blindly (issue 13 item 5): in exactly one process at a time (<see cref="LeaderElection"/>), every
/// <see cref="ReconciliationOptions.Interval"/> this job rebuilds the approval lookup (what the approval check and the revocation
/// status answer from) from the sealed events with <see cref="ApprovalLookupReplay"/>, the fold <c>ledger verify --projections</c>
/// runs too, and compares it with the stored documents. Each outcome is kept in <see cref="IntegrityChecks"/> (the dashboard shows
/// a failure loudly); a new set of differences is also a critical log line and a <see cref="ReadModelDifferenceFound"/> event in
/// the security log. It reports and never repairs: an edited row is evidence, and repairing it would erase it.
/// </summary>
public sealed class ReadModelReconciliation(
    ApprovalLookupReplay replay,
    IntegrityChecks checks,
    SecurityLogBook securityLog,
    TransparencyLog log,
    LedgerOptions ledger,
    ReconciliationOptions options,
    TimeProvider clock,
    ILogger<ReadModelReconciliation> logger
) : BackgroundService
{
    /// <summary>The leader election's advisory lock key: the first eight bytes of
    /// SHA-256("governance.read-model.reconciliation").</summary>
    public const long LockKey = unchecked((long)0x762486ca8ba940f4UL);

    /// <summary>The actor of the security events this job records.</summary>
    public static readonly Actor Actor = new(Subjects.SystemPrefix + "reconciliation", "Read-model reconciliation", Roles.System);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        new LeaderElection(ledger.ConnectionString, LockKey, options.PollInterval, clock, logger).RunAsync(
            async (_, ct) =>
            {
                // Waits first: a process that just started (or just became the leader) lets its peers settle.
                while (true)
                {
                    await Task.Delay(options.Interval, clock, ct);
                    await RunOnceAsync(ct);
                }
            },
            stoppingToken
        );

    /// <summary>One round: rebuild, compare, record the outcome, and report new differences.</summary>
    /// <returns>The outcome recorded.</returns>
    public async Task<IntegrityCheck> RunOnceAsync(CancellationToken ct)
    {
        long? sealedUpTo = options.SealedOnly ? (await log.StateAsync(ct)).LastSeq : null;
        var snapshot = await replay.ReadAsync(sealedUpTo, ct);
        var differences = snapshot.Differences().Select(d => d.Message).ToArray();
        var previous = await checks.GetAsync(IntegrityChecks.Reconciliation, ct);
        var check = new IntegrityCheck(
            IntegrityChecks.Reconciliation,
            clock.GetUtcNow(),
            snapshot.UpToSeq,
            differences.Length == 0,
            differences
        );
        await checks.RecordAsync(check, ct);
        if (differences.Length > 0 && (previous is null || !previous.Findings.SequenceEqual(differences)))
        {
            logger.LogCritical(
                "The approval lookup differs from its events up to {Seq}: {Differences}",
                snapshot.UpToSeq,
                string.Join("; ", differences)
            );
            await securityLog.RecordAsync(
                new ReadModelDifferenceFound(
                    "read-model:approval",
                    "approval",
                    snapshot.UpToSeq,
                    differences,
                    new Audit(Actor, check.CheckedAt, "The approval lookup differs from the sealed events", Guid.NewGuid().ToString("N"))
                ),
                ct
            );
        }
        return check;
    }
}

public static class ReconciliationSetup
{
    /// <summary>Runs a <see cref="ReadModelReconciliation"/> in this host (it works only while it leads, so every API process may
    /// run one). Needs <see cref="LedgerSetup.AddGovernanceLedger"/>.</summary>
    public static IServiceCollection AddReadModelReconciliation(this IServiceCollection services, ReconciliationOptions options) =>
        services
            .AddSingleton(options)
            .AddSingleton<ReadModelReconciliation>()
            .AddHostedService(sp => sp.GetRequiredService<ReadModelReconciliation>());
}
