using System.Diagnostics;
using Governance.Attestations;

/// <summary>
/// A model directory of <c>files</c> files of random bytes, <c>totalMiB</c> in all, verified by the serving library
/// (<c>ApprovedModelLoader.VerifyDirectoryAsync</c>: list, hash every file in parallel at most the processor count at a
/// time, manifest digest, DSSE/ES256 and the file list checks) against <c>openssl dgst -sha256</c> over the same files in
/// one process (single-threaded), alternating, <c>rounds</c> times each after one warm-up of each (so both read from
/// the page cache). Also times the library's hashing with one file at a time, to show what the parallelism brings.
/// Usage: <c>dotnet run -c Release --project src/Governance.Serving.Benchmarks -- directory [totalMiB=1024] [files=8]
/// [rounds=5] [folder=/tmp/governance-bench]</c>; the directory is written once under the folder and reused.
/// </summary>
static class DirectoryBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var totalMiB = args.Length > 0 ? int.Parse(args[0]) : 1024;
        var count = args.Length > 1 ? int.Parse(args[1]) : 8;
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
        var folder = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), "governance-bench");
        if (totalMiB % count != 0)
            throw new ArgumentException($"totalMiB ({totalMiB}) must be a multiple of files ({count}).");
        var directory = Path.Combine(folder, $"model-dir-{totalMiB}MiB-{count}files");
        Directory.CreateDirectory(Path.Combine(directory, "shards"));
        // Several files as a model directory holds them: the weights in shards, plus (here) equally large others.
        var paths = Enumerable
            .Range(0, count)
            .Select(i => i == 0 ? "model.onnx" : $"shards/weights-{i:D2}-of-{count - 1:D2}.bin")
            .ToArray();
        for (var i = 0; i < count; i++)
            await Bench.EnsureRandomFileAsync(Path.Combine(directory, paths[i]), totalMiB / count, seed: 100 + i);

        var listing = ArtifactDirectory.List(directory);
        var manifest = await ArtifactDirectory.HashAsync(listing);
        using var approval = new BenchApproval(FileManifest.DigestOf(manifest), manifest);
        var full = listing.Select(f => f.FullPath).ToArray();

        // Warm-up: JIT, page cache, and both tools agree on every file's digest.
        await approval.Loader.VerifyDirectoryAsync(directory, approval.Envelope, BenchApproval.Intended);
        var openssl = OpensslDigests(full);
        foreach (var (entry, file) in manifest.Zip(listing))
            if (openssl[file.FullPath] != entry.Sha256[7..])
                throw new InvalidOperationException($"openssl and the library disagree on {entry.Path}");

        var library = new List<double>();
        var libraryCpu = new List<double>();
        var singleThread = new List<double>();
        var baseline = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (var r = 0; r < rounds; r++)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await approval.Loader.VerifyDirectoryAsync(directory, approval.Envelope, BenchApproval.Intended);
            library.Add(watch.Elapsed.TotalSeconds);
            self.Refresh();
            libraryCpu.Add((self.TotalProcessorTime - cpu).TotalSeconds);
            watch.Restart();
            OpensslDigests(full);
            baseline.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            await ArtifactDirectory.HashAsync(listing, maxDegreeOfParallelism: 1);
            singleThread.Add(watch.Elapsed.TotalSeconds);
        }

        var (lib, one, ssl) = (Bench.Median(library), Bench.Median(singleThread), Bench.Median(baseline));
        Console.WriteLine(
            $"model directory: {count} files, {totalMiB} MiB in all; {Environment.ProcessorCount} processors; rounds: {rounds} "
                + "(alternating, after one warm-up each)"
        );
        Console.WriteLine(
            $"serving library VerifyDirectoryAsync (parallel hashing + DSSE + file list): median {lib:F3} s  {Bench.List(library)}"
        );
        Console.WriteLine(
            $"openssl dgst -sha256 over the same files, one process:                  median {ssl:F3} s  {Bench.List(baseline)}"
        );
        Console.WriteLine(
            $"library hashing one file at a time (maxDegreeOfParallelism 1):          median {one:F3} s  {Bench.List(singleThread)}"
        );
        Console.WriteLine(
            $"library CPU time per verification: median {Bench.Median(libraryCpu):F3} s (CPU / wall {Bench.Median(libraryCpu) / lib:F2}: "
                + "the processors it kept busy)"
        );
        Console.WriteLine($"speed-up openssl / library: {ssl / lib:F2}x  (target >= 1.5x)");
    }

    /// <summary>Runs <c>openssl dgst -sha256</c> once over every file; answers each file's hex digest by path.</summary>
    private static Dictionary<string, string> OpensslDigests(string[] files)
    {
        using var process = Process.Start(
            new ProcessStartInfo("openssl", ["dgst", "-sha256", "-r", .. files]) { RedirectStandardOutput = true }
        )!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"openssl dgst exited {process.ExitCode}");
        // -r: "<hex> *<path>" per line, as coreutils' sha256sum writes in binary mode.
        return output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(" *", 2))
            .ToDictionary(parts => parts[1], parts => parts[0]);
    }
}
