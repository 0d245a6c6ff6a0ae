using System.Diagnostics;
using System.Globalization;

namespace Governance.Explainability.Tests;

/// <summary>Paths beside the repository and the Debian Python that runs the reference scripts.</summary>
internal static class Reference
{
    public const string Python = "/usr/bin/python3";

    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Governance.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("Governance.sln not found above the test binaries.");
    }

    public static string GermanCredit() => Path.Combine(RepositoryRoot(), "..", "shared", "datasets", "german_credit.csv");

    public static string Script(string name) => Path.Combine(RepositoryRoot(), "tests", "Governance.Explainability.Tests", "Python", name);

    public static string NewFolder(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs a reference script with Debian's Python (python3-xgboost, python3-sklearn; ./gov test installs them).</summary>
    public static void Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Script(script));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(
            process.ExitCode == 0,
            $"{Python} {script} failed ({process.ExitCode}); it needs Debian's python3-xgboost and python3-sklearn:\n{stderr.Result}"
        );
    }

    public static double[][] Matrix(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
}
