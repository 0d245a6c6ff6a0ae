using Governance.Api.Hosting;

namespace Governance.Api.Tests;

/// <summary>What ./gov run prints once the host listens (issue 18 walkthrough: a new user was told every API address but not
/// where the web UI is).</summary>
public sealed class StartupBannerTests
{
    [Fact]
    public void The_banner_names_the_web_ui_first_then_the_api()
    {
        var lines = StartupBanner.Lines("http://127.0.0.1:5091", credentials: null);
        var ui = lines.ToList().FindIndex(l => l == "  Web UI (sign in below):   http://127.0.0.1:5091/");
        Assert.True(ui >= 0, string.Join("\n", lines));
        Assert.True(ui < lines.ToList().FindIndex(l => l.Contains("API reference", StringComparison.Ordinal)));
    }
}
