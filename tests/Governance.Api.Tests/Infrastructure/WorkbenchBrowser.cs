using Microsoft.Playwright;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// What the workbench's browser tests (issue 18) share: the host started once per fixture, Debian's chromium, people signed in
/// through the real sign-in page at 1440×900, the page's console kept so that a Content-Security-Policy violation fails the
/// class, and screenshots at 1440×900 and 390×844 in artifacts/screenshots/workbench-*.png.
/// </summary>
public abstract class WorkbenchBrowser<TApp>(TApp app) : IAsyncLifetime
    where TApp : BrowserApp
{
    /// <summary>Where every browser test saves its screenshots.</summary>
    public static readonly string Screenshots = Path.Combine(Programs.RepositoryRoot(), "artifacts", "screenshots");

    private IPlaywright _playwright = null!;
    private readonly List<string> _browserLog = [];

    protected TApp App { get; } = app;
    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (App.Address.Length == 0)
            App.Start();
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserApp.LaunchChromium(_playwright);
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>Every page a test visited ran under the Content-Security-Policy without a violation: chromium reports each
    /// blocked script, style or connection on the console.</summary>
    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        Assert.DoesNotContain(_browserLog, line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A new browser context at 1440×900, signed in as the development person <paramref name="userName"/> at
    /// <paramref name="path"/>, once the page is interactive.</summary>
    protected Task<IPage> SignedIn(string path, string userName) =>
        App.SignedInPage(
            Browser,
            path,
            userName,
            new ViewportSize { Width = 1440, Height = 900 },
            page => page.Console += (_, message) => _browserLog.Add($"console {message.Type}: {message.Text}")
        );

    /// <summary>Clicks on prerendered HTML are lost: wait until the page says it is interactive.</summary>
    protected static Task Ready(IPage page) =>
        page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    /// <summary>The page at desktop (1440×900) and phone (390×844) widths, full length.</summary>
    protected static async Task Shots(IPage page, string name)
    {
        foreach (var (width, height) in new[] { (1440, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(
                new() { Path = Path.Combine(Screenshots, $"workbench-{name}-{width}x{height}.png"), FullPage = true }
            );
        }
        await page.SetViewportSizeAsync(1440, 900);
    }

    /// <summary>Waits for this step's own answer, and fails with the refusal's words if it was refused.</summary>
    protected static async Task Recorded(IPage page, string expected)
    {
        var outcome = page.Locator($"#outcome-recorded:has-text(\"{expected}\"), #outcome-refused");
        await outcome.First.WaitForAsync();
        Assert.True(await page.Locator("#outcome-refused").CountAsync() == 0, await outcome.First.InnerTextAsync());
    }
}
