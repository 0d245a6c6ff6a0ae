using System.Diagnostics;
using Governance.Attestations;

// Usage: dotnet run -c Release --project src/Governance.Serving.Benchmarks -- [sizeMiB=1024] [rounds=5] [folder=/tmp/governance-bench]
// Verifies one artifact of sizeMiB with the serving library (stream SHA-256 + DSSE/ES256 + predicate checks) and with
// `sha256sum`, alternating, `rounds` times each; prints medians and the ratio. Then times signature verification alone.
// With `directory` first, measures a model directory instead (DirectoryBenchmark.cs).
if (args is ["directory", .. var directoryArgs])
{
    await DirectoryBenchmark.RunAsync(directoryArgs);
    return;
}
var sizeMiB = args.Length > 0 ? int.Parse(args[0]) : 1024;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var folder = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "governance-bench");
Directory.CreateDirectory(folder);
var artifact = Path.Combine(folder, $"artifact-{sizeMiB}MiB.bin");
await Bench.EnsureRandomFileAsync(artifact, sizeMiB, seed: 1);

var (digest, _) = await ArtifactHash.OfFileAsync(artifact);
using var approval = new BenchApproval(digest, null);
var (loader, envelope, keys, intended) = (approval.Loader, approval.Envelope, approval.Keys, BenchApproval.Intended);

// Warm both (page cache, JIT) once before measuring.
await loader.VerifyFileAsync(artifact, envelope, intended);
Sha256Sum(artifact);
var library = new List<double>();
var baseline = new List<double>();
for (var r = 0; r < rounds; r++)
{
    var watch = Stopwatch.StartNew();
    var verified = await loader.VerifyFileAsync(artifact, envelope, intended);
    library.Add(watch.Elapsed.TotalSeconds);
    if (verified.ArtifactDigest != digest)
        throw new InvalidOperationException("digest changed");
    watch.Restart();
    var sum = Sha256Sum(artifact);
    baseline.Add(watch.Elapsed.TotalSeconds);
    if ("sha256:" + sum != digest)
        throw new InvalidOperationException("sha256sum disagrees with the library");
}

const int signatureRounds = 2000;
var sigWatch = Stopwatch.StartNew();
for (var i = 0; i < signatureRounds; i++)
    if (
        !AttestationVerifier
            .Verify(envelope, new Expectation(digest, "production", "bench-model", "1.0.0"), keys, DateTimeOffset.UtcNow)
            .Verified
    )
        throw new InvalidOperationException("verification failed");
var perSignature = sigWatch.Elapsed.TotalMilliseconds / signatureRounds;

var (lib, sha) = (Bench.Median(library), Bench.Median(baseline));
Console.WriteLine($"artifact: {sizeMiB} MiB, rounds: {rounds} (alternating, after one warm-up each)");
Console.WriteLine(
    $"serving library verify (SHA-256 stream + DSSE ES256 + checks): median {lib:F3} s  "
        + $"[{string.Join(", ", library.Select(x => x.ToString("F3")))}]"
);
Console.WriteLine(
    $"sha256sum:                                                   median {sha:F3} s  "
        + $"[{string.Join(", ", baseline.Select(x => x.ToString("F3")))}]"
);
Console.WriteLine($"ratio library / sha256sum: {lib / sha:F3}  (target <= 1.10)");
Console.WriteLine(
    $"offline attestation verification alone (parse + ES256 verify + checks): {perSignature * 1000:F0} µs per load (mean of "
        + $"{signatureRounds})"
);

static string Sha256Sum(string path)
{
    using var process = Process.Start(new ProcessStartInfo("sha256sum", [path]) { RedirectStandardOutput = true })!;
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    return output.Split(' ')[0];
}
