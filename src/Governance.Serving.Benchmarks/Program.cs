using System.Diagnostics;
using System.Security.Cryptography;
using Governance.Attestations;
using Governance.Serving;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: dotnet run -c Release --project src/Governance.Serving.Benchmarks -- [sizeMiB=1024] [rounds=5] [folder=/tmp/governance-bench]
// Verifies one artifact of sizeMiB with the serving library (stream SHA-256 + DSSE/ES256 + predicate checks) and with
// `sha256sum`, alternating, `rounds` times each; prints medians and the ratio. Then times signature verification alone.
var sizeMiB = args.Length > 0 ? int.Parse(args[0]) : 1024;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var folder = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "governance-bench");
Directory.CreateDirectory(folder);
var artifact = Path.Combine(folder, $"artifact-{sizeMiB}MiB.bin");
if (!File.Exists(artifact) || new FileInfo(artifact).Length != sizeMiB * 1024L * 1024)
{
    Console.WriteLine($"writing {sizeMiB} MiB of random bytes to {artifact}");
    await using var file = File.Create(artifact);
    var block = new byte[1 << 20];
    var random = new Random(1);
    for (var i = 0; i < sizeMiB; i++)
    {
        random.NextBytes(block);
        await file.WriteAsync(block);
    }
}

var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
using var signer = new PemSigner(Jwks.FromKey(key, "current").Kid, key);
var keys = new JwkSet([Jwks.FromKey(key, "current")]);
var (digest, _) = await ArtifactHash.OfFileAsync(artifact);
var now = DateTimeOffset.UtcNow;
var statement = new Statement(
    Statement.TypeV1,
    [new Subject("bench.bin", new Dictionary<string, string> { ["sha256"] = digest[7..] })],
    ModelApprovalPredicate.Type,
    new ModelApprovalPredicate(
        "approval-bench",
        "bench-model",
        "1.0.0",
        "production",
        "High",
        "benchmark",
        [new ApproverClaim("a", "A", "RiskOfficer", now)],
        [],
        now,
        now.AddDays(1),
        new ValidationClaim("Passed", "v", "V", now),
        digest,
        digest,
        new LedgerReference("bench-model@1.0.0", 9, "model_version_approved")
    )
);
var envelope = Dsse.Serialize(Dsse.Sign(statement, signer));
var ledger = new StandingLedger();
var loader = new ApprovedModelLoader(
    new ServingOptions { Environment = "production", PinnedKeys = keys },
    ledger,
    TimeProvider.System,
    NullLogger<ApprovedModelLoader>.Instance
);
var intended = new IntendedModel("bench-model", "1.0.0");

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

static double Median(List<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
var (lib, sha) = (Median(library), Median(baseline));
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

/// <summary>The ledger's answer for the benchmark's approval: granted and standing (no network in the measurement).</summary>
sealed class StandingLedger : ILedgerClient
{
    public Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct) =>
        Task.FromResult<ApprovalStatusAnswer?>(
            new ApprovalStatusAnswer(
                approvalId,
                "bench",
                "1.0.0",
                "production",
                "",
                "Approved",
                false,
                null,
                null,
                null,
                null,
                DateTimeOffset.UtcNow
            )
        );

    public Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct) => throw new NotSupportedException("Keys are pinned.");

    public Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct) =>
        throw new NotSupportedException("The envelope is given.");

    public Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct) => Task.CompletedTask;

    public Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct) => Task.CompletedTask;
}
