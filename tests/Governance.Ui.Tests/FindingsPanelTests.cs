using System.Security.Claims;
using Bunit;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ui.Components;
using Governance.Ui.Desks;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>A clock that says what the test says.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>The findings desk in memory, deciding with the domain's own deciders (the ledger's rules, without a database).</summary>
internal sealed class FindingsInMemory(Model model, ModelVersion version, TimeProvider clock) : IFindingDesk
{
    private readonly Dictionary<string, FindingTrack?> _tracks = [];

    public Task<IReadOnlyList<TrackedFinding>> OfVersionAsync(string modelId, string v, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<TrackedFinding>>(
            (version.Validation?.Findings ?? [])
                .Select(f => new TrackedFinding(version.ModelId, version.Version, f, _tracks.GetValueOrDefault(f.Id), 1))
                .ToArray()
        );

    public async Task<IReadOnlyList<TrackedFinding>> OpenAsync(CancellationToken ct) =>
        (await OfVersionAsync(version.ModelId, version.Version, ct)).Where(f => f.Status != TrackedFindingStatus.Closed).ToArray();

    public Task<IReadOnlyList<string>> AssigneesAsync(string modelId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([model.OwnerId, .. model.Delegates]);

    public Task<DecisionOutcome> AssignAsync(ClaimsPrincipal person, TrackedFinding f, AssignFinding command, CancellationToken ct) =>
        Decide(person, f, (actor, track) => FindingDecisions.Decide(command, version, f.Finding.Id, track, Ctx(actor)));

    public Task<DecisionOutcome> ProposeAsync(ClaimsPrincipal person, TrackedFinding f, ProposeRemediation command, CancellationToken ct) =>
        Decide(person, f, (actor, track) => FindingDecisions.Decide(command, model, version, f.Finding.Id, track, Ctx(actor)));

    public Task<DecisionOutcome> RejectAsync(ClaimsPrincipal person, TrackedFinding f, RejectRemediation command, CancellationToken ct) =>
        Decide(person, f, (actor, track) => FindingDecisions.Decide(command, model, version, f.Finding.Id, track, Ctx(actor)));

    public Task<DecisionOutcome> CloseAsync(ClaimsPrincipal person, TrackedFinding f, CloseFinding command, CancellationToken ct) =>
        Decide(person, f, (actor, track) => FindingDecisions.Decide(command, model, version, f.Finding.Id, track, Ctx(actor)));

    private CommandContext Ctx(Actor actor) => new(actor, clock.GetUtcNow(), "c");

    private Task<DecisionOutcome> Decide(ClaimsPrincipal person, TrackedFinding f, Func<Actor, FindingTrack?, object> decide)
    {
        var actor = new Actor(person.FindFirstValue("sub")!, person.IsInRole(Roles.Validator) ? Roles.Validator : Roles.ModelOwner);
        try
        {
            _tracks[f.Finding.Id] = FindingTrack.Evolve(
                _tracks.GetValueOrDefault(f.Finding.Id),
                decide(actor, _tracks.GetValueOrDefault(f.Finding.Id))
            );
            return Task.FromResult(new DecisionOutcome(true, null, $"Finding {f.Finding.Id} recorded."));
        }
        catch (GovernanceRuleException refused)
        {
            return Task.FromResult(new DecisionOutcome(false, refused.Code, refused.Message, refused.FieldErrors));
        }
    }
}

/// <summary>The findings panel: status, owner, due state against the injected clock, and the validator's assignment.</summary>
public sealed class FindingsPanelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static readonly ModelVersion Validated = DeskWithOneRequest.Version with
    {
        Validation = DeskWithOneRequest.Version.Validation! with
        {
            Findings =
            [
                new ValidationFinding("F-1", FindingSeverity.High, "PSI not monitored", null, FindingStatus.Open),
                new ValidationFinding("F-2", FindingSeverity.Low, "Naming", null, FindingStatus.Open),
            ],
        },
    };

    [Fact]
    public async Task An_assigned_finding_is_marked_due_soon_then_overdue_as_the_injected_clock_moves()
    {
        await using var context = new BunitContext();
        context.Services.AddMudServices();
        var clock = new FixedClock(Now);
        var desk = new FindingsInMemory(DeskWithOneRequest.Model, Validated, clock);
        context.Services.AddSingleton<IFindingDesk>(desk);
        context.Services.AddSingleton<TimeProvider>(clock);
        context.AddAuthorization().SetAuthorized("vic").SetRoles(Roles.Validator).SetClaims(new Claim("sub", "user:vic"));
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));

        var panel = context.Render<FindingsPanel>(p => p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0"));
        Assert.Contains("0 overdue, 0 due within 14 days, 2 without an owner.", Text(panel.Find("#findings-summary").TextContent));
        Assert.Contains("Open, no owner yet", panel.Find("#finding-credit-1-1-0-F-1").TextContent);

        await desk.AssignAsync(
            Person(),
            (await desk.OfVersionAsync("credit", "1.1.0", default))[0],
            new AssignFinding("user:owner", Now.AddDays(5), null),
            default
        );
        panel = context.Render<FindingsPanel>(p => p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0"));
        Assert.Contains("Due soon", panel.Find("#finding-credit-1-1-0-F-1").TextContent);
        Assert.Contains("Owner: user:owner", panel.Find("#finding-credit-1-1-0-F-1").TextContent);

        await using var later = new BunitContext();
        later.Services.AddMudServices();
        later.Services.AddSingleton<IFindingDesk>(desk);
        later.Services.AddSingleton<TimeProvider>(new FixedClock(Now.AddDays(6)));
        later.AddAuthorization().SetAuthorized("vic").SetRoles(Roles.Validator).SetClaims(new Claim("sub", "user:vic"));
        later.JSInterop.Mode = JSRuntimeMode.Loose;
        var overdue = later.Render<FindingsPanel>(p => p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0"));
        Assert.Contains("Overdue", overdue.Find("#finding-credit-1-1-0-F-1").TextContent);
        Assert.Contains("1 overdue", Text(overdue.Find("#findings-summary").TextContent));
    }

    private static string Text(string markup) => System.Text.RegularExpressions.Regex.Replace(markup, @"\s+", " ");

    private static ClaimsPrincipal Person() =>
        new(new ClaimsIdentity([new Claim("sub", "user:vic"), new Claim(ClaimTypes.Role, Roles.Validator)], "test"));
}
