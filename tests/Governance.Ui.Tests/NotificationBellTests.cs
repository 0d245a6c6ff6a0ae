using System.Security.Claims;
using Bunit;
using Governance.Domain.Notifications;
using Governance.Domain.Shared;
using Governance.Ledger.Notifications;
using Governance.Ui.Components;
using Governance.Ui.Desks;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace Governance.Ui.Tests;

/// <summary>A person's inbox in memory: the notifications standing now, which can change while a page is open.</summary>
internal sealed class InboxInMemory : INotificationDesk
{
    public List<InboxItem> Items { get; } = [];

    /// <summary>How many times the bell (or a page) asked.</summary>
    public int Asked { get; private set; }

    public void Add(string id) =>
        Items.Add(
            new InboxItem(
                new Notification(id, NotificationKind.ReviewAssigned, $"Approval {id} awaits your decision", $"/approvals/{id}", default),
                Read: false
            )
        );

    public Task<Inbox> InboxAsync(ClaimsPrincipal person, CancellationToken ct)
    {
        Asked++;
        return Task.FromResult(new Inbox([.. Items]));
    }

    public Task MarkReadAsync(ClaimsPrincipal person, IReadOnlyCollection<string>? ids, CancellationToken ct)
    {
        for (var i = 0; i < Items.Count; i++)
            if (ids is null || ids.Contains(Items[i].Notification.Id))
                Items[i] = Items[i] with { Read = true };
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NotificationKind>> EmailKindsAsync(ClaimsPrincipal person, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<NotificationKind>>(Enum.GetValues<NotificationKind>());

    public Task SetEmailKindsAsync(ClaimsPrincipal person, IReadOnlyCollection<NotificationKind> kinds, CancellationToken ct) =>
        Task.CompletedTask;
}

/// <summary>
/// The bell keeps counting while a page stays open (issue 18): every interval on the injected clock (moved by hand, never
/// waited for), on each navigation, and at once when the notifications page marks items read; a closed page's bell stops.
/// </summary>
public sealed class NotificationBellTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static (BunitContext Context, InboxInMemory Inbox, FakeTimeProvider Clock) Context()
    {
        var context = new BunitContext();
        context.Services.AddMudServices();
        var inbox = new InboxInMemory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        context.Services.AddSingleton<INotificationDesk>(inbox);
        context.Services.AddSingleton<TimeProvider>(clock);
        context.Services.AddSingleton(new NotificationBellOptions { Interval = Interval });
        context.Services.AddScoped<NotificationBellSignal>();
        context.AddAuthorization().SetAuthorized("rita").SetRoles(Roles.RiskOfficer).SetClaims(new Claim("sub", "rita"));
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return (context, inbox, clock);
    }

    private static string Label(IRenderedComponent<NotificationBell> bell) => bell.Find("#notification-bell").GetAttribute("aria-label")!;

    [Fact]
    public async Task A_notification_that_arrives_while_the_page_is_open_shows_at_the_next_interval_of_the_clock()
    {
        var (context, inbox, clock) = Context();
        await using var owned = context;
        var bell = context.Render<NotificationBell>();
        Assert.Equal("Notifications, none unread", Label(bell));

        inbox.Add("approval-1");
        inbox.Add("approval-2");
        clock.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.Equal("Notifications, none unread", Label(bell));
        clock.Advance(TimeSpan.FromSeconds(1));
        bell.WaitForAssertion(() => Assert.Equal("Notifications, 2 unread", Label(bell)));

        inbox.Add("approval-3");
        clock.Advance(Interval);
        bell.WaitForAssertion(() => Assert.Equal("Notifications, 3 unread", Label(bell)));
    }

    [Fact]
    public async Task Navigating_counts_again_and_marking_read_on_the_notifications_page_clears_the_bell_at_once()
    {
        var (context, inbox, _) = Context();
        await using var owned = context;
        var bell = context.Render<NotificationBell>();
        inbox.Add("approval-1");
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("/inventory");
        bell.WaitForAssertion(() => Assert.Equal("Notifications, 1 unread", Label(bell)));

        var page = context.Render<Governance.Ui.Pages.NotificationsPage>();
        page.Find("#mark-all-read").Click();
        bell.WaitForAssertion(() => Assert.Equal("Notifications, none unread", Label(bell)));
    }

    [Fact]
    public async Task A_closed_pages_bell_stops_asking()
    {
        var (context, inbox, clock) = Context();
        await using var owned = context;
        var bell = context.Render<NotificationBell>();
        var asked = inbox.Asked;
        await context.DisposeComponentsAsync();
        clock.Advance(Interval * 3);
        Assert.Equal(asked, inbox.Asked);
    }
}
