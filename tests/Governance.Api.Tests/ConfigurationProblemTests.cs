using Governance.Api.Tests.Infrastructure;

namespace Governance.Api.Tests;

/// <summary>
/// An operator's missing setting stops the API, or its command, with one line naming the setting and exit code 2 (a new
/// user running <c>admin register-client</c> without the database or the attestation keys configured got an unhandled
/// exception's stack trace).
/// </summary>
public sealed class ConfigurationProblemTests
{
    [Theory]
    [InlineData("admin", "GOVERNANCE_DB")]
    [InlineData("server", "GOVERNANCE_DB")]
    [InlineData("keys", "Governance:Attestations:KeysFolder")]
    public async Task A_missing_setting_is_one_line_naming_it_and_exit_code_2(string run, string named)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Empty, as if unset: the test run's own database must not be found.
            ["GOVERNANCE_DB"] = run == "keys" ? "Host=127.0.0.1;Port=1;Username=nobody;Database=none" : "",
        };
        string[] args = run == "server" ? ["--urls", "http://127.0.0.1:0"] : ["admin", "register-client", "--client-id", "ci"];

        var (exitCode, output) = await ApiProcess.RunToEndAsync($"misconfigured {run}", args, environment);

        Assert.True(exitCode == 2, $"exit {exitCode}:\n{output}");
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Governance cannot start: ", line);
        Assert.Contains(named, line);
    }
}
