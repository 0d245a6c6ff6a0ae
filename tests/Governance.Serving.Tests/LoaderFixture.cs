using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Attestations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Governance.Serving.Tests;

/// <summary>
/// The ledger as a model server sees it, kept in memory: approval standings, the published keys, and the load
/// and verification reports it receives. It can be made unreachable, as a network partition would.
/// </summary>
public sealed class InMemoryLedger : ILedgerClient
{
    public Dictionary<string, ApprovalStatusAnswer> Standings { get; } = new();
    public JwkSet Keys { get; set; } = new([]);
    public bool Unreachable { get; set; }
    public List<ModelLoadReport> Reports { get; } = [];
    public List<VerificationOutcome> Verifications { get; } = [];

    public Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct) =>
        Unreachable ? throw new LedgerUnreachableException("connection refused") : Task.FromResult(Standings.GetValueOrDefault(approvalId));

    public Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct) =>
        Unreachable ? throw new LedgerUnreachableException("connection refused") : Task.FromResult(Keys);

    public Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct) =>
        throw new NotSupportedException("The loader is given envelopes directly.");

    public Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct)
    {
        if (Unreachable)
            throw new LedgerUnreachableException("connection refused");
        Reports.Add(outcome.Report);
        return Task.CompletedTask;
    }

    /// <summary>Answer verification reports as the ledger answers one it cannot match to a recorded load (409).</summary>
    public bool RefusesVerifications { get; set; }

    /// <summary>Verification reports sent, whether or not they arrived.</summary>
    public int VerificationAttempts { get; private set; }

    public Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct)
    {
        VerificationAttempts++;
        if (Unreachable)
            throw new LedgerUnreachableException("connection refused");
        if (RefusesVerifications)
            throw new InvalidOperationException("The ledger refused the request (409): verification.not_loaded");
        Verifications.Add(outcome);
        return Task.CompletedTask;
    }

    /// <summary>Monitoring reports sent (their bodies), answered as recorded.</summary>
    public List<JsonElement> MonitoringReports { get; } = [];

    public Task<JsonElement> RecordMonitoringReportAsync(
        string model,
        string version,
        string environment,
        JsonElement body,
        CancellationToken ct
    )
    {
        if (Unreachable)
            throw new LedgerUnreachableException("connection refused");
        MonitoringReports.Add(body);
        return Task.FromResult(body);
    }
}

public sealed class MovableClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A signed approval of a real artifact file, and a loader configured to trust the signing key.</summary>
public sealed class LoaderFixture : IDisposable
{
    public const string Model = "credit-scoring-de";
    public const string Version = "1.1.0";
    public const string Environment = "production";

    public string Folder { get; } = Directory.CreateTempSubdirectory("serving-tests-").FullName;
    public string ArtifactPath { get; }
    public byte[] ArtifactBytes { get; }
    public string ArtifactDigest { get; }
    public PemSigner Signer { get; }
    public InMemoryLedger Ledger { get; } = new();
    public MovableClock Clock { get; } = new();

    public LoaderFixture()
    {
        ArtifactBytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("model weights ", 5000)));
        ArtifactPath = Path.Combine(Folder, "model.zip");
        File.WriteAllBytes(ArtifactPath, ArtifactBytes);
        ArtifactDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ArtifactBytes));
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Signer = new PemSigner(Jwks.FromKey(key, "current").Kid, key);
        Ledger.Keys = new JwkSet([Jwks.FromKey(Signer.Key, "current")]);
    }

    public ApprovedModelLoader Loader(bool pinKeys = true) =>
        new(
            new ServingOptions
            {
                Environment = Environment,
                Host = "scorer-test",
                PinnedKeys = pinKeys ? Ledger.Keys : null,
                RevocationCacheDuration = TimeSpan.FromSeconds(30),
                OutageGrace = TimeSpan.FromMinutes(5),
            },
            Ledger,
            Clock,
            NullLogger<ApprovedModelLoader>.Instance
        );

    public Statement Statement(
        string? digest = null,
        string environment = Environment,
        string model = Model,
        string version = Version,
        DateTimeOffset? expiresAt = null,
        string approvalId = "approval-1"
    ) =>
        new(
            Attestations.Statement.TypeV1,
            [new Subject("s3://models/credit/model.zip", new Dictionary<string, string> { ["sha256"] = (digest ?? ArtifactDigest)[7..] })],
            ModelApprovalPredicate.Type,
            new ModelApprovalPredicate(
                approvalId,
                model,
                version,
                environment,
                "High",
                "Retail credit decisions",
                [
                    new ApproverClaim("user:rita", null, "RiskOfficer", Clock.Now.AddDays(-2)),
                    new ApproverClaim("user:ravi", null, "RiskOfficer", Clock.Now.AddDays(-1)),
                ],
                ["Quarterly monitoring"],
                Clock.Now.AddDays(-1),
                expiresAt ?? Clock.Now.AddDays(90),
                new ValidationClaim("Passed", "user:victor", null, Clock.Now.AddDays(-3)),
                "sha256:" + new string('c', 64),
                "sha256:" + new string('d', 64),
                new LedgerReference($"{model}@{version}", 9, "model_version_approved")
            )
        );

    /// <summary>The envelope the ledger issued for approval-1 (ECDSA signatures differ on each signing, so it is made once).</summary>
    public byte[] IssuedEnvelope => _issued ??= Dsse.Serialize(Dsse.Sign(Statement(), Signer));

    private byte[]? _issued;

    /// <summary>The issued envelope, or a new one of another statement or signer.</summary>
    public byte[] Envelope(Statement? statement = null, IAttestationSigner? signer = null) =>
        statement is null && signer is null ? IssuedEnvelope : Dsse.Serialize(Dsse.Sign(statement ?? Statement(), signer ?? Signer));

    public void Approved(string approvalId = "approval-1") =>
        Ledger.Standings[approvalId] = Standing(approvalId, "Approved", expiresAt: Clock.Now.AddDays(90));

    /// <summary>The ledger's answer on an approval of this fixture's model version, as of the fixture's clock.</summary>
    public ApprovalStatusAnswer Standing(
        string approvalId,
        string status,
        bool revoked = false,
        DateTimeOffset? expiresAt = null,
        DateTimeOffset? revokedAt = null,
        string? revocationReason = null,
        string? artifactDigest = null,
        string? environment = null
    ) =>
        new(
            approvalId,
            Model,
            Version,
            environment ?? Environment,
            artifactDigest ?? ArtifactDigest,
            status,
            revoked,
            expiresAt,
            revokedAt,
            revocationReason,
            Dsse.DigestOf(JsonSerializer.Deserialize<Envelope>(IssuedEnvelope, AttestationJson.Options)!),
            Clock.Now
        );

    public void Dispose()
    {
        Signer.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
