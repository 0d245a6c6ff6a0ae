using System.Diagnostics;
using System.Text;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// The API as a separate process, started from its build output (<c>dotnet Governance.Api.dll</c>, what <c>./gov run</c>
/// builds), with its standard output and error collected; disposing kills it with SIGKILL (no shutdown code runs).
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ApiProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The name the test gave it (in its output).</summary>
    public string Name { get; }

    /// <summary>What it has written so far, standard output and error interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Whether it has exited (or was killed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Governance.Api.dll of the same configuration (Debug or Release) as the tests.</summary>
    public static string Dll()
    {
        var binaries = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var dll = Path.Combine(
            Programs.RepositoryRoot(),
            "src",
            "Governance.Api",
            "bin",
            binaries.Parent!.Name,
            binaries.Name,
            "Governance.Api.dll"
        );
        Assert.True(File.Exists(dll), $"build the API first: {dll}");
        return dll;
    }

    /// <summary>Starts <c>dotnet Governance.Api.dll ARGS</c> with <paramref name="environment"/> added to this process's.</summary>
    public static ApiProcess Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Dll();
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = Path.GetDirectoryName(dll),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var api = new ApiProcess(name, process);
        process.OutputDataReceived += (_, e) => api.Append(e.Data);
        process.ErrorDataReceived += (_, e) => api.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    /// <summary>Runs a command of the API (<c>migrate</c>, <c>admin ...</c>) to its end with <paramref name="input"/> on its
    /// standard input; fails the test unless it exits 0 within two minutes.</summary>
    /// <returns>Its output.</returns>
    public static async Task<string> RunAsync(
        string name,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string> environment,
        string input = ""
    )
    {
        var (exitCode, output) = await RunToEndAsync(name, args, environment, input);
        Assert.True(exitCode == 0, $"{name} exited {exitCode}:\n{output}");
        return output;
    }

    /// <summary>Runs a command of the API to its end (at most two minutes) with <paramref name="input"/> on its standard
    /// input.</summary>
    /// <returns>Its exit code and output.</returns>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(
        string name,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string> environment,
        string input = ""
    )
    {
        await using var api = Start(name, args, environment);
        await api._process.StandardInput.WriteAsync(input);
        api._process.StandardInput.Close();
        await api._process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        // The asynchronous readers have seen the end of both streams once this returns.
        api._process.WaitForExit();
        return (api._process.ExitCode, api.Output);
    }

    /// <summary>Kills the process with SIGKILL, as a crash or an OOM kill would, and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
            lock (_log)
                _log.AppendLine(line);
    }
}
