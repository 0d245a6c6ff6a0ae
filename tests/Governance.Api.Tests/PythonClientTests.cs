using Governance.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>
/// The Python client (clients/python, issue 17 item 3), installed as its README says into a virtual environment of Debian's
/// Python, and its unittest suite run against the API on a real port: people sign in there with the device flow, pipelines
/// with client credentials.
/// </summary>
[Collection(LiveLedgerCollection.Name)]
public sealed class PythonClientTests(LiveLedgerApp app, ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("python-client-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(int Exit, string Output)> Run(
        string program,
        IEnumerable<string> args,
        string directory,
        Dictionary<string, string>? env = null
    ) => Programs.RunAsync(log, program, args, directory, env);

    [Fact]
    public async Task The_client_installs_with_pip_from_the_checkout_and_its_unittest_suite_passes_against_a_real_server()
    {
        app.EnsureStarted();
        var root = Programs.RepositoryRoot();
        var venv = Path.Combine(_folder, "v");
        Assert.Equal(0, (await Run("/usr/bin/python3", ["-m", "venv", "--system-site-packages", venv], _folder)).Exit);
        var install = await Run(
            Path.Combine(venv, "bin", "pip"),
            ["install", "--no-index", "--no-build-isolation", Path.Combine(root, "clients", "python")],
            _folder
        );
        Assert.True(install.Exit == 0, install.Output);

        // Run from a copy of the tests only, so they import the installed package, not the checkout's sources.
        var tests = Path.Combine(_folder, "suite", "tests");
        Directory.CreateDirectory(tests);
        foreach (var file in Directory.GetFiles(Path.Combine(root, "clients", "python", "tests"), "*.py"))
            File.Copy(file, Path.Combine(tests, Path.GetFileName(file)));
        var run = await Run(
            Path.Combine(venv, "bin", "python"),
            ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
            Path.Combine(_folder, "suite"),
            new()
            {
                ["GOVERNANCE_TEST_URL"] = app.Address,
                ["GOVERNANCE_TEST_CREDENTIALS"] = app.CredentialsFile,
                ["GOVERNANCE_TEST_VECTORS"] = Path.Combine(root, "..", "shared", "vectors"),
                ["GOVERNANCE_CONFIG_DIR"] = Path.Combine(_folder, "config"),
            }
        );
        Assert.True(run.Exit == 0, run.Output);
        Assert.DoesNotContain("skipped", run.Output);
        Assert.Matches(@"test_registration_to_a_recorded_deployment_then_revocation \(.*\) \.\.\. ok", run.Output);
    }
}
