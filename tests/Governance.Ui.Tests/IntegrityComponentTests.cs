using Bunit;
using Governance.Domain.Shared;
using Governance.Ledger.Reconciliation;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>The ledger's integrity as the UI sees it, in memory: what the overview and the next verification answer.</summary>
internal sealed class IntegrityDeskStub : IIntegrityDesk
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);

    public IntegrityOverview Overview { get; set; } = new(42, T0, null, []);
    public IntegrityCheck? Last { get; set; }
    public VerificationOutcome Next { get; set; } = new(null, "no log");
    public int Verifications { get; private set; }

    public Task<IntegrityOverview> OverviewAsync(CancellationToken ct) => Task.FromResult(Overview);

    public Task<IntegrityCheck?> LastVerificationAsync(string modelId, CancellationToken ct) => Task.FromResult(Last);

    public Task<VerificationOutcome> VerifyModelAsync(string modelId, CancellationToken ct)
    {
        Verifications++;
        return Task.FromResult(Next);
    }
}

public sealed class IntegrityComponentTests
{
    private static BunitContext Context(IntegrityDeskStub integrity, string role)
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        var desk = new DeskWithOneRequest();
        context.Services.AddSingleton<IAuditDesk>(desk);
        context.Services.AddSingleton<IPointInTimeDesk>(new PointInTimeInMemory(desk));
        context.Services.AddSingleton<IStewardshipDesk>(desk);
        context.Services.AddSingleton<IIntegrityDesk>(integrity);
        context.Services.AddSingleton<IMonitoringDesk>(new MonitoringInMemory());
        context.Services.AddSingleton<ITechnicalFileDesk>(new TechnicalFileInMemory(DeskWithOneRequest.Model, DeskWithOneRequest.Version));
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton<Governance.Ledger.People.IPeopleDirectory>(new Directory());
        context.AddAuthorization().SetAuthorized("ada").SetRoles(role);
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return context;
    }

    private static string Words(string text) => string.Join(' ', text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static IntegrityCheck Check(bool passed, params string[] findings) =>
        new("model:credit", IntegrityDeskStub.T0.AddMinutes(5), 118, passed, findings, 120, IntegrityDeskStub.T0);

    [Fact]
    public async Task The_dashboard_is_loud_about_a_failed_verification_a_reconciliation_difference_and_a_stopped_sealer()
    {
        var integrity = new IntegrityDeskStub
        {
            Overview = new(
                120,
                IntegrityDeskStub.T0,
                "the export's checkpoint 96 is not consistent with the log",
                [
                    Check(false, "event 17 (approval_revoked, version 9 of 'credit@1.1.0') is not what checkpoint 120 signed"),
                    new(IntegrityChecks.Reconciliation, IntegrityDeskStub.T0, 118, false, ["approval a-1 in the read model says Approved"]),
                ]
            ),
        };
        await using var context = Context(integrity, Roles.RiskOfficer);
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => page.Find("#integrity-alarms"));
        var alerts = page.FindAll("#integrity-alarms [role=alert]").Select(a => Words(a.TextContent)).ToArray();
        Assert.Equal(3, alerts.Length);
        Assert.Contains("sealer stopped: the export's checkpoint 96", alerts[0]);
        Assert.Contains("credit failed verification against checkpoint 120", alerts[1]);
        Assert.Contains("event 17 (approval_revoked", alerts[1]);
        Assert.Contains("approval lookup differs from the sealed events", alerts[2]);
        Assert.Contains("says Approved", alerts[2]);
        Assert.Empty(page.FindAll("#integrity-ok"));
    }

    [Fact]
    public async Task A_sound_ledger_shows_its_latest_checkpoint_quietly()
    {
        await using var context = Context(new IntegrityDeskStub(), Roles.RiskOfficer);
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => page.Find("#integrity-ok"));
        Assert.Contains("checkpoint 42 at 2026-11-30 01:00:00 UTC", Words(page.Find("#integrity-ok").TextContent));
        Assert.Empty(page.FindAll("#integrity-alarms"));
    }

    [Fact]
    public async Task The_model_page_shows_verified_up_to_checkpoint_N_at_T_and_an_auditor_verifies_again()
    {
        var integrity = new IntegrityDeskStub
        {
            Last = Check(true),
            Next = new(Check(false, "stream 'credit@1.1.0' jumps from version 8 to 10: an event was removed"), null),
        };
        await using var context = Context(integrity, Roles.Auditor);
        var page = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        page.WaitForAssertion(() => page.Find("#log-verification-status"));
        Assert.Contains(
            "Verified up to checkpoint 120 at 2026-11-30 01:05:00 UTC",
            Words(page.Find("#log-verification-status").TextContent)
        );

        page.Find("#verify-log").Click();
        page.WaitForAssertion(() => Assert.Contains("FAILED", page.Find("#log-verification-status").TextContent));
        Assert.Equal(1, integrity.Verifications);
        Assert.Contains("jumps from version 8 to 10", page.Find("#log-verification-status").TextContent);
    }

    [Fact]
    public async Task Only_auditors_and_administrators_get_the_verification_button()
    {
        await using var context = Context(new IntegrityDeskStub { Last = Check(true) }, Roles.RiskOfficer);
        var page = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        page.WaitForAssertion(() => page.Find("#log-verification-status"));
        Assert.Empty(page.FindAll("#verify-log"));
    }
}
