using System.Text.Json;
using Governance.Attestations;
using Microsoft.Extensions.Logging;

namespace Governance.Serving;

/// <summary>
/// What a model server tells the ledger, in order, best effort (nothing here throws but cancellation). A load, a refusal
/// and each change between them are facts of the version, reported once: a refusal that repeats the last outcome reported
/// for the same model version (same code, environment, host and artifact, and the same approval where both name one), as
/// when a stopped server retries every minute, is not sent again. A report the ledger could not be reached for is kept
/// and sent first the next time the server reports anything, so a stop during a ledger outage is recorded once the ledger
/// answers again, before the load that follows it (at most <see cref="MaxUndelivered"/> are kept; beyond that the oldest
/// is dropped and logged). A passing re-verification is sent only when nothing is waiting, and never kept.
/// </summary>
internal sealed class LedgerReports(ILedgerClient ledger, ILogger log)
{
    /// <summary>How many undelivered load reports are kept for the ledger's return.</summary>
    internal const int MaxUndelivered = 16;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<LoadOutcome> _undelivered = new();
    private readonly Dictionary<(string Model, string Version), ModelLoadReport> _last = new();

    /// <summary>Reports a load or a refusal, unless it repeats the last refusal reported for that model version.</summary>
    public async Task OutcomeAsync(LoadOutcome outcome, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var key = (outcome.Model, outcome.Version);
            if (!_last.TryGetValue(key, out var last) || !Repeats(outcome.Report, last))
            {
                _last[key] = outcome.Report;
                if (_undelivered.Count == MaxUndelivered)
                    log.LogWarning("Dropped an undelivered load report for the ledger: {Report}", _undelivered.Dequeue());
                _undelivered.Enqueue(outcome);
            }
            await DeliverAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reports a passing re-verification, after any load report still waiting for the ledger.</summary>
    public async Task VerifiedAsync(VerificationOutcome outcome, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!await DeliverAsync(ct))
                return;
            await ledger.ReportVerifiedAsync(outcome, ct);
        }
        catch (Exception e) when (e is LedgerUnreachableException or InvalidOperationException or JsonException)
        {
            log.LogWarning(
                "Could not report the passing re-verification of {Model} {Version} to the ledger: {Reason}",
                outcome.Model,
                outcome.Version,
                e.Message
            );
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool Repeats(ModelLoadReport report, ModelLoadReport last) =>
        report.Loaded == false
        && last.Loaded == false
        && (report.ReasonCode, report.Environment, report.Host, report.ArtifactDigest)
            == (last.ReasonCode, last.Environment, last.Host, last.ArtifactDigest)
        && (report.ApprovalId is null || last.ApprovalId is null || report.ApprovalId == last.ApprovalId);

    /// <summary>Sends the waiting reports in order; false (the rest kept) when the ledger cannot be reached. A report the
    /// ledger refuses (e.g. 409 <c>load.unapproved</c>, which it records) is logged and not sent again.</summary>
    private async Task<bool> DeliverAsync(CancellationToken ct)
    {
        while (_undelivered.TryPeek(out var next))
        {
            try
            {
                await ledger.ReportLoadAsync(next, ct);
            }
            catch (LedgerUnreachableException e)
            {
                log.LogWarning(
                    "Could not report the load outcome to the ledger; {Count} report(s) kept until it answers: {Reason}",
                    _undelivered.Count,
                    e.Message
                );
                return false;
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException)
            {
                log.LogWarning("The ledger did not accept the load report {Report}: {Reason}", next, e.Message);
            }
            _undelivered.Dequeue();
        }
        return true;
    }
}
