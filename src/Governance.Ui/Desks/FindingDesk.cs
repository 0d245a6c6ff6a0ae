using System.Security.Claims;
using Governance.Domain.Models;
using Governance.Domain.Validation;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Validation;
using Marten;

namespace Governance.Ui.Desks;

/// <summary>Findings as tracked items: read a version's findings or the register of open ones; assign, remediate, send back and
/// close as the signed-in person; the ledger decides who may.</summary>
public interface IFindingDesk
{
    Task<IReadOnlyList<TrackedFinding>> OfVersionAsync(string modelId, string version, CancellationToken ct);

    /// <summary>Every finding not closed, soonest due first.</summary>
    Task<IReadOnlyList<TrackedFinding>> OpenAsync(CancellationToken ct);

    /// <summary>Who a finding of the model can be assigned to from the page: its owner and delegates (the first line).</summary>
    Task<IReadOnlyList<string>> AssigneesAsync(string modelId, CancellationToken ct);

    Task<DecisionOutcome> AssignAsync(ClaimsPrincipal person, TrackedFinding finding, AssignFinding command, CancellationToken ct);
    Task<DecisionOutcome> ProposeAsync(ClaimsPrincipal person, TrackedFinding finding, ProposeRemediation command, CancellationToken ct);
    Task<DecisionOutcome> RejectAsync(ClaimsPrincipal person, TrackedFinding finding, RejectRemediation command, CancellationToken ct);
    Task<DecisionOutcome> CloseAsync(ClaimsPrincipal person, TrackedFinding finding, CloseFinding command, CancellationToken ct);
}

internal sealed class LedgerFindingDesk(FindingRecords findings, IDocumentStore store) : IFindingDesk
{
    public async Task<IReadOnlyList<TrackedFinding>> OfVersionAsync(string modelId, string version, CancellationToken ct)
    {
        try
        {
            return await findings.OfVersionAsync(new VersionRef(modelId, version), ct);
        }
        catch (Domain.Shared.GovernanceRuleException e) when (e.Kind == Domain.Shared.RuleKind.NotFound)
        {
            return [];
        }
    }

    public Task<IReadOnlyList<TrackedFinding>> OpenAsync(CancellationToken ct) => findings.OpenAsync(ct);

    public async Task<IReadOnlyList<string>> AssigneesAsync(string modelId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Model>(modelId, ct) is { } model ? [model.OwnerId, .. model.Delegates] : [];
    }

    public Task<DecisionOutcome> AssignAsync(ClaimsPrincipal person, TrackedFinding finding, AssignFinding command, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => findings.AssignAsync(Ref(finding), finding.Finding.Id, command, Call(person, finding), ct),
            f => $"Finding {f.Finding.Id} is assigned, due {f.Track!.DueAt:yyyy-MM-dd}."
        );

    public Task<DecisionOutcome> ProposeAsync(
        ClaimsPrincipal person,
        TrackedFinding finding,
        ProposeRemediation command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => findings.ProposeRemediationAsync(Ref(finding), finding.Finding.Id, command, Call(person, finding), ct),
            f => $"Your remediation of finding {f.Finding.Id} is recorded; a validator will judge it."
        );

    public Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal person,
        TrackedFinding finding,
        RejectRemediation command,
        CancellationToken ct
    ) =>
        PersonCalls.Outcome(
            () => findings.RejectRemediationAsync(Ref(finding), finding.Finding.Id, command, Call(person, finding), ct),
            f => $"The remediation of finding {f.Finding.Id} is sent back; the finding is open again."
        );

    public Task<DecisionOutcome> CloseAsync(ClaimsPrincipal person, TrackedFinding finding, CloseFinding command, CancellationToken ct) =>
        PersonCalls.Outcome(
            () => findings.CloseAsync(Ref(finding), finding.Finding.Id, command, Call(person, finding), ct),
            f => $"Finding {f.Finding.Id} is closed."
        );

    private static VersionRef Ref(TrackedFinding finding) => new(finding.ModelId, finding.Version);

    /// <summary>Against the tracking the page showed: a change made since is refused as stale, never overwritten.</summary>
    private static Ledger.Writing.CommandCall Call(ClaimsPrincipal person, TrackedFinding finding) =>
        PersonCalls.Call(person, finding.Track is null ? null : finding.StreamVersion);
}

/// <summary>Every command of the findings desk passes the session guard first; judging a remediation is a signature.</summary>
internal sealed class GuardedFindingDesk(LedgerFindingDesk desk, ISessionGuard guard) : IFindingDesk
{
    public Task<IReadOnlyList<TrackedFinding>> OfVersionAsync(string modelId, string version, CancellationToken ct) =>
        desk.OfVersionAsync(modelId, version, ct);

    public Task<IReadOnlyList<TrackedFinding>> OpenAsync(CancellationToken ct) => desk.OpenAsync(ct);

    public Task<IReadOnlyList<string>> AssigneesAsync(string modelId, CancellationToken ct) => desk.AssigneesAsync(modelId, ct);

    public Task<DecisionOutcome> AssignAsync(ClaimsPrincipal person, TrackedFinding finding, AssignFinding command, CancellationToken ct) =>
        Guarded.RunAsync(guard, person, SessionUse.Act, current => desk.AssignAsync(current, finding, command, ct), ct);

    public Task<DecisionOutcome> ProposeAsync(
        ClaimsPrincipal person,
        TrackedFinding finding,
        ProposeRemediation command,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Act, current => desk.ProposeAsync(current, finding, command, ct), ct);

    public Task<DecisionOutcome> RejectAsync(
        ClaimsPrincipal person,
        TrackedFinding finding,
        RejectRemediation command,
        CancellationToken ct
    ) => Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.RejectAsync(current, finding, command, ct), ct);

    public Task<DecisionOutcome> CloseAsync(ClaimsPrincipal person, TrackedFinding finding, CloseFinding command, CancellationToken ct) =>
        Guarded.RunAsync(guard, person, SessionUse.Sign, current => desk.CloseAsync(current, finding, command, ct), ct);
}
