using System.Security.Cryptography;
using System.Text.Json;
using Governance.Attestations;
using Governance.Serving;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// A granted approval of one artifact for the benchmarks: its signed envelope (a fresh ES256 key), the ledger's answer
/// about it (granted, standing, for that digest, scope and envelope), and a loader that trusts the key, all in memory so
/// that no network is measured.
/// </summary>
sealed class BenchApproval : IDisposable
{
    public static readonly IntendedModel Intended = new("bench-model", "1.0.0");
    public const string Environment = "production";

    private readonly PemSigner _signer;

    public byte[] Envelope { get; }
    public JwkSet Keys { get; }
    public ApprovedModelLoader Loader { get; }

    /// <param name="digest">The artifact's digest: a file's SHA-256, or a model directory's manifest digest.</param>
    /// <param name="files">A model directory's files, listed by the predicate; null for one file.</param>
    public BenchApproval(string digest, IReadOnlyList<ManifestFile>? files)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _signer = new PemSigner(Jwks.FromKey(key, "current").Kid, key);
        Keys = new JwkSet([Jwks.FromKey(key, "current")]);
        var now = DateTimeOffset.UtcNow;
        var statement = new Statement(
            Statement.TypeV1,
            [new Subject("bench", new Dictionary<string, string> { ["sha256"] = digest[7..] })],
            ModelApprovalPredicate.Type,
            new ModelApprovalPredicate(
                "approval-bench",
                Intended.Model,
                Intended.Version,
                Environment,
                "High",
                "benchmark",
                [new ApproverClaim("user:a", null, "RiskOfficer", now)],
                [],
                now,
                now.AddDays(1),
                new ValidationClaim("Passed", "user:v", null, now),
                digest,
                digest,
                new LedgerReference($"{Intended.Model}@{Intended.Version}", 9, "model_version_approved"),
                IssuedAt: now,
                ArtifactFiles: files
            )
        );
        var envelope = Dsse.Sign(statement, _signer);
        Envelope = Dsse.Serialize(envelope);
        var standing = new ApprovalStatusAnswer(
            "approval-bench",
            Intended.Model,
            Intended.Version,
            Environment,
            digest,
            "Approved",
            false,
            now.AddDays(1),
            null,
            null,
            Dsse.DigestOf(JsonSerializer.Deserialize<Envelope>(Envelope, AttestationJson.Options)!),
            now
        );
        Loader = new ApprovedModelLoader(
            new ServingOptions { Environment = Environment, PinnedKeys = Keys },
            new StandingLedger(standing),
            TimeProvider.System,
            NullLogger<ApprovedModelLoader>.Instance
        );
    }

    public void Dispose() => _signer.Dispose();

    /// <summary>The ledger's answer for the benchmark's approval (no network in the measurement).</summary>
    private sealed class StandingLedger(ApprovalStatusAnswer standing) : ILedgerClient
    {
        public Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct) =>
            Task.FromResult<ApprovalStatusAnswer?>(standing with { CheckedAt = DateTimeOffset.UtcNow });

        public Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct) => throw new NotSupportedException("Keys are pinned.");

        public Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct) =>
            throw new NotSupportedException("The envelope is given.");

        public Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct) => Task.CompletedTask;

        public Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct) => Task.CompletedTask;

        // The benchmark measures loads and checks; it records no monitoring reports.
        public Task<JsonElement> RecordMonitoringReportAsync(
            string model,
            string version,
            string environment,
            JsonElement body,
            CancellationToken ct
        ) => throw new NotSupportedException("The approval benchmark records no monitoring reports.");
    }
}
