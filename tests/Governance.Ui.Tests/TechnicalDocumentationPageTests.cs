using System.Security.Claims;
using Bunit;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.TechnicalDocumentation;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>
/// A model's technical file in memory, decided by the domain's own deciders (so the page shows the ledger's real refusals and
/// field messages); what the page reads back is what was decided.
/// </summary>
internal sealed class TechnicalFileInMemory(Model model, ModelVersion version) : ITechnicalFileDesk
{
    private static readonly DateTimeOffset Now = new(2026, 10, 2, 9, 0, 0, TimeSpan.Zero);
    public TechnicalFile? File { get; private set; }

    public Task<TechnicalFilePage?> PageAsync(string modelId, string? label, CancellationToken ct)
    {
        var file = File ?? new TechnicalFile { Id = TechnicalFile.StreamKey(model.Id), ModelId = model.Id };
        return Task.FromResult<TechnicalFilePage?>(
            modelId != model.Id || (label is not null && label != version.Version)
                ? null
                : new TechnicalFilePage(
                    model,
                    [version],
                    file,
                    label is null ? null : version,
                    label is null ? [] : AnnexIvChecklist.For(version, file),
                    [],
                    new PeopleNames(new Dictionary<string, string> { ["user:owner"] = "Olivia Owner" })
                )
        );
    }

    public Task<IReadOnlyList<RiskStanding>> OpenRisksAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<RiskStanding>>(
            File?.Risks.Where(r => r.Status == RiskStatus.AwaitingAcceptance).Select(r => new RiskStanding(model.Id, r, false)).ToArray()
                ?? []
        );

    private Task<DecisionOutcome> Decide(ClaimsPrincipal person, Func<CommandContext, object> decide)
    {
        var role = Roles.All.First(person.IsInRole);
        try
        {
            File = TechnicalFile.Evolve(File, decide(new CommandContext(new Actor("user:" + person.Identity!.Name, role), Now, "ui-test")));
            return Task.FromResult(new DecisionOutcome(true, null, "Recorded."));
        }
        catch (GovernanceRuleException refused)
        {
            return Task.FromResult(new DecisionOutcome(false, refused.Code, refused.Message, refused.FieldErrors));
        }
    }

    public Task<DecisionOutcome> RecordStatementAsync(ClaimsPrincipal p, string m, RecordTechnicalDocumentation c, CancellationToken ct) =>
        Decide(p, context => TechnicalFileDecisions.Decide(c, model, File, _ => false, context));

    public Task<DecisionOutcome> RecordRiskAsync(ClaimsPrincipal p, string m, RecordRisk c, CancellationToken ct) =>
        Decide(p, context => TechnicalFileDecisions.Decide(c, model, File, context));

    public Task<DecisionOutcome> AcceptResidualRiskAsync(ClaimsPrincipal p, string m, AcceptResidualRisk c, CancellationToken ct) =>
        Decide(p, context => TechnicalFileDecisions.Decide(c, model, File, context));

    public Task<DecisionOutcome> SignDeclarationAsync(
        ClaimsPrincipal p,
        string m,
        string v,
        SignDeclarationOfConformity c,
        CancellationToken ct
    ) => throw new NotSupportedException("Declarations are tested through the API.");
}

public sealed class TechnicalDocumentationPageTests
{
    private static (BunitContext Context, TechnicalFileInMemory Desk) Owner()
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        var desk = new TechnicalFileInMemory(DeskWithOneRequest.Model, DeskWithOneRequest.Version);
        context.Services.AddSingleton<ITechnicalFileDesk>(desk);
        context.Services.AddSingleton(TimeProvider.System);
        context.AddAuthorization().SetAuthorized("owner").SetRoles(Roles.ModelOwner);
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return (context, desk);
    }

    [Fact]
    public async Task An_empty_or_oversized_statement_gets_a_plain_message_at_its_field_and_nothing_is_stored_then_a_valid_one_is_shown()
    {
        var (context, desk) = Owner();
        await using var _ = context;
        var page = context.Render<TechnicalDocumentation>(p => p.Add(x => x.ModelId, "credit").Add(x => x.Version, "1.1.0"));
        page.WaitForAssertion(() => page.Find("#annex-iv-checklist"));
        Assert.Contains("✗ missing", page.Find("#annex-iv-checklist").TextContent);

        page.Find("#edit-DesignSpecification").Click();
        page.WaitForElement("#record-statement").Click();
        page.WaitForAssertion(() => Assert.Contains("Statement is required.", page.Find("#form-DesignSpecification").TextContent));
        Assert.Null(desk.File);

        page.Find("#statement-text").Input(new string('x', TechnicalFileDecisions.MaxTextLength + 1));
        page.Find("#attachment-sha256").Input("sha256:ABC");
        page.Find("#record-statement").Click();
        page.WaitForAssertion(() =>
            Assert.Contains("Statement must be at most 8000 characters.", page.Find("#form-DesignSpecification").TextContent)
        );
        Assert.Contains("SHA-256 must be 'sha256:' followed by 64 lower-case hexadecimal characters.", page.Markup);
        Assert.Contains("Document title is required.", page.Markup);
        Assert.Null(desk.File);

        page.Find("#statement-text").Input("Boosted trees over 61 features; trees chosen for higher ROC AUC.");
        page.Find("#attachment-sha256").Input("");
        page.Find("#record-statement").Click();
        page.WaitForAssertion(() => Assert.Contains("Boosted trees over 61 features", page.Find("#item-DesignSpecification").TextContent));
        Assert.Contains("revision 1 for 1.1.0 only", page.Find("#item-DesignSpecification").TextContent);
        Assert.Contains("by Olivia Owner", page.Find("#item-DesignSpecification").TextContent);
        Assert.Single(desk.File!.Records);
    }
}
