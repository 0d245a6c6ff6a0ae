using Bunit;
using Governance.Domain.Deployments;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.Models;
using Governance.Ledger.Sequencing;
using Governance.Ui.Desks;
using Governance.Ui.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Ui.Tests;

/// <summary>
/// The ledger's point-in-time answers in memory: version 1.0.0 of "credit" went live in production at position 40 (at
/// <see cref="DeskWithOneRequest.T0"/>); a day before it resolves to position 12, any later day to 41, now to 57.
/// </summary>
internal sealed class PointInTimeInMemory(DeskWithOneRequest desk) : IPointInTimeDesk
{
    public static readonly SlotInterval Live = new(
        "deployment-1",
        "1.0.0",
        DeskWithOneRequest.Version.ArtifactDigest,
        SlotKind.Live,
        100,
        "run-1",
        "approval-1",
        null,
        false,
        new Actor("user:owner", Roles.DeploymentPipeline),
        DeskWithOneRequest.T0,
        40
    );

    public static LedgerPoint Point(DateTimeOffset? asOf) =>
        asOf switch
        {
            null => new LedgerPoint(57, DeskWithOneRequest.T0.AddDays(30), true),
            { } at when at < DeskWithOneRequest.T0 => new LedgerPoint(12, at, false),
            { } at => new LedgerPoint(41, at, false),
        };

    public async Task<AsOfAnswer<IReadOnlyList<InventoryEntry>>> InventoryAsync(InventoryFilter filter, CancellationToken ct) =>
        new(Point(filter.AsOf), await desk.InventoryAsync(filter, ct));

    public Task<AsOfAnswer<IReadOnlyList<SlotView>>> ModelSlotsAsync(string modelId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var point = Point(asOf);
        IReadOnlyList<SlotView> slots =
            point.Position < Live.FromPosition
                ? []
                :
                [
                    new SlotView(
                        modelId,
                        "production",
                        new SlotStanding(Live, true, null, null),
                        null,
                        null,
                        [],
                        [Live],
                        [],
                        point.Position,
                        point.At
                    ),
                ];
        return Task.FromResult(new AsOfAnswer<IReadOnlyList<SlotView>>(point, slots));
    }

    public Task<AsOfAnswer<EnvironmentHistory>> EnvironmentAsync(string environment, DateTimeOffset? asOf, CancellationToken ct)
    {
        var point = Point(asOf);
        IReadOnlyList<EnvironmentHistoryEntry> intervals = point.Position < Live.FromPosition ? [] : [new("credit", Live)];
        return Task.FromResult(
            new AsOfAnswer<EnvironmentHistory>(point, new EnvironmentHistory(environment, intervals, intervals, point.Position, point.At))
        );
    }
}

public sealed class PointInTimePageTests
{
    [Fact]
    public async Task The_environment_page_shows_what_was_live_at_the_end_of_the_chosen_day_and_the_position_it_used()
    {
        var (context, _) = await ComponentTests.Context(Roles.Auditor);
        await using var _ = context;
        var navigation = context.Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo("/environments/production?asOf=2026-10-02");
        var page = context.Render<EnvironmentPage>(p => p.Add(e => e.Environment, "production"));
        page.WaitForAssertion(() => Assert.Contains("ledger position <strong>41</strong>", page.Find("#position-used").InnerHtml));
        Assert.Contains("As of 2026-10-02 23:59 UTC", page.Find("#position-used").TextContent);
        var live = page.Find("#live-versions").TextContent;
        Assert.Contains("credit", live);
        Assert.Contains("1.0.0", live);
        Assert.Contains("2026-10-01 09:00 UTC (position 40)", live);
        Assert.Contains("still in place", page.Find("#environment-history").TextContent);

        // The day before it went live: nothing was live, and the position says how far the answer read.
        navigation.NavigateTo("/environments/production?asOf=2026-09-30");
        page = context.Render<EnvironmentPage>(p => p.Add(e => e.Environment, "production"));
        page.WaitForAssertion(() => Assert.Contains("ledger position <strong>12</strong>", page.Find("#position-used").InnerHtml));
        Assert.Contains("No version was live in production.", page.Find("#live-versions").TextContent);

        // "Now" drops the day from the address: the page then answers now and says so.
        page.Find("#as-of-now").Click();
        Assert.DoesNotContain("asOf", navigation.Uri);
    }

    [Fact]
    public async Task The_inventory_and_the_model_page_state_the_position_and_the_model_page_draws_packs_as_of_the_same_day()
    {
        var (context, _) = await ComponentTests.Context(Roles.Auditor);
        await using var _ = context;
        var navigation = context.Services.GetRequiredService<NavigationManager>();

        var inventory = context.Render<Inventory>();
        inventory.WaitForAssertion(() => Assert.Contains("Now (", inventory.Find("#position-used").TextContent));
        Assert.Contains("ledger position <strong>57</strong>", inventory.Find("#position-used").InnerHtml);

        navigation.NavigateTo("/models/credit?asOf=2026-10-02");
        var model = context.Render<ModelPage>(p => p.Add(m => m.ModelId, "credit"));
        model.WaitForAssertion(() => Assert.Contains("ledger position <strong>41</strong>", model.Find("#position-used").InnerHtml));
        Assert.Contains("1.0.0", model.Find("#model-slots").TextContent);
        Assert.Contains("/environments/production?asOf=2026-10-02", model.Find("#model-slots").InnerHtml);
        Assert.Contains(
            $"/evidence-packs/credit/{DeskWithOneRequest.Version.Version}/model-card?asOf=2026-10-02T23:59:59.9999999Z",
            model.FindAll("a").Select(a => a.GetAttribute("href"))
        );
    }
}
