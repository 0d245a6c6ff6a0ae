using System.Diagnostics;
using Xunit.Abstractions;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>The checkout the tests run from, and programs run as separate processes (Python, Prometheus's tools).</summary>
public static class Programs
{
    /// <summary>The folder holding Governance.sln.</summary>
    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder!.FullName, "Governance.sln")))
            folder = folder.Parent;
        return folder.FullName;
    }

    /// <summary>Runs <paramref name="program"/> to its end (at most 10 minutes), logging the command and its output.</summary>
    /// <returns>The exit code and standard output followed by standard error.</returns>
    public static async Task<(int Exit, string Output)> RunAsync(
        ITestOutputHelper log,
        string program,
        IEnumerable<string> args,
        string directory,
        Dictionary<string, string>? env = null
    )
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? [])
            start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(10)).Token);
        var output = await stdout + await stderr;
        log.WriteLine($"$ {program} {string.Join(' ', start.ArgumentList)}\n{output}");
        return (process.ExitCode, output);
    }
}
