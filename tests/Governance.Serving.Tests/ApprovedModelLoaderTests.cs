using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Attestations;

namespace Governance.Serving.Tests;

public sealed class ApprovedModelLoaderTests : IDisposable
{
    private readonly LoaderFixture _given = new();
    private static readonly IntendedModel Intended = new(LoaderFixture.Model, LoaderFixture.Version);

    public void Dispose() => _given.Dispose();

    private async Task<string> RefusalOf(byte[] envelope, ApprovedModelLoader? loader = null, IntendedModel? intended = null)
    {
        var refused = await Assert.ThrowsAsync<ModelLoadRefusedException>(() =>
            (loader ?? _given.Loader()).LoadAsync(_given.ArtifactPath, envelope, intended ?? Intended, s => s.Length)
        );
        return refused.Code;
    }

    [Fact]
    public async Task An_approved_unrevoked_artifact_loads_from_exactly_the_bytes_that_were_verified_and_the_load_is_reported()
    {
        _given.Approved();
        var (loaded, artifact) = await _given
            .Loader()
            .LoadAsync(
                _given.ArtifactPath,
                _given.Envelope(),
                Intended,
                s =>
                {
                    using var copy = new MemoryStream();
                    s.CopyTo(copy);
                    return copy.ToArray();
                }
            );

        Assert.Equal(_given.ArtifactBytes, loaded);
        Assert.Equal(_given.ArtifactDigest, artifact.ArtifactDigest);
        Assert.Equal(["user:rita", "user:ravi"], artifact.Approval.Approvers.Select(a => a.SubjectId));
        var report = Assert.Single(_given.Ledger.Reports);
        Assert.True(report.Loaded);
        Assert.Equal("approval-1", report.ApprovalId);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_artifact_is_refused_as_a_digest_mismatch_and_reported()
    {
        _given.Approved();
        var bytes = _given.ArtifactBytes.ToArray();
        bytes[1234] ^= 0x01;
        await File.WriteAllBytesAsync(_given.ArtifactPath, bytes);

        Assert.Equal("digest_mismatch", await RefusalOf(_given.Envelope()));
        var report = Assert.Single(_given.Ledger.Reports);
        Assert.False(report.Loaded);
        Assert.Equal("digest_mismatch", report.ReasonCode);
    }

    [Fact]
    public async Task A_truncated_artifact_is_refused()
    {
        _given.Approved();
        await File.WriteAllBytesAsync(_given.ArtifactPath, _given.ArtifactBytes[..^100]);
        Assert.Equal("digest_mismatch", await RefusalOf(_given.Envelope()));
    }

    [Fact]
    public async Task A_missing_artifact_is_refused_as_unreadable()
    {
        File.Delete(_given.ArtifactPath);
        Assert.Equal("artifact_unreadable", await RefusalOf(_given.Envelope()));
    }

    [Fact]
    public async Task An_envelope_signed_by_an_unknown_key_is_refused()
    {
        _given.Approved();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = new PemSigner(Jwks.FromKey(key, "current").Kid, key);
        Assert.Equal("signature_unknown_key", await RefusalOf(_given.Envelope(signer: stranger)));
    }

    [Fact]
    public async Task An_envelope_whose_signature_was_made_by_another_key_under_a_trusted_key_id_is_refused()
    {
        _given.Approved();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var impostor = new PemSigner(_given.Signer.KeyId, key);
        Assert.Equal("signature_invalid", await RefusalOf(_given.Envelope(signer: impostor)));
    }

    [Fact]
    public async Task A_payload_altered_after_signing_is_refused()
    {
        _given.Approved();
        var envelope = JsonNode.Parse(_given.Envelope())!;
        var statement = JsonNode.Parse(Convert.FromBase64String(envelope["payload"]!.GetValue<string>()))!;
        statement["predicate"]!["environment"] = "staging";
        envelope["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(statement.ToJsonString()));
        Assert.Equal("signature_invalid", await RefusalOf(Encoding.UTF8.GetBytes(envelope.ToJsonString())));
    }

    [Fact]
    public async Task A_valid_envelope_for_another_digest_environment_model_or_version_is_refused()
    {
        _given.Approved();
        Assert.Equal("digest_mismatch", await RefusalOf(_given.Envelope(_given.Statement(digest: "sha256:" + new string('e', 64)))));
        Assert.Equal("environment_mismatch", await RefusalOf(_given.Envelope(_given.Statement(environment: "staging"))));
        Assert.Equal("model_mismatch", await RefusalOf(_given.Envelope(_given.Statement(model: "card-fraud-detection"))));
        Assert.Equal("model_mismatch", await RefusalOf(_given.Envelope(_given.Statement(version: "1.0.0"))));
    }

    [Fact]
    public async Task An_expired_approval_is_refused()
    {
        _given.Approved();
        Assert.Equal("approval_expired", await RefusalOf(_given.Envelope(_given.Statement(expiresAt: _given.Clock.Now.AddMinutes(-1)))));
    }

    [Fact]
    public async Task A_revoked_approval_is_refused_even_though_its_signature_verifies()
    {
        _given.Ledger.Standings["approval-1"] = _given.Standing(
            "approval-1",
            "Revoked",
            revoked: true,
            expiresAt: _given.Clock.Now.AddDays(90),
            revokedAt: _given.Clock.Now,
            revocationReason: "Drift beyond tolerance"
        );
        Assert.Equal("approval_revoked", await RefusalOf(_given.Envelope()));
    }

    [Fact]
    public async Task A_validly_signed_envelope_reusing_a_real_approval_id_for_another_artifact_is_refused_online()
    {
        // The ledger's approval-1 is for other bytes; the envelope (signed by a trusted key) claims it for these.
        _given.Ledger.Standings["approval-1"] = _given.Standing(
            "approval-1",
            "Approved",
            expiresAt: _given.Clock.Now.AddDays(90),
            artifactDigest: "sha256:" + new string('0', 64)
        );
        Assert.Equal("approval_digest_mismatch", await RefusalOf(_given.Envelope()));
        Assert.Equal("approval_digest_mismatch", Assert.Single(_given.Ledger.Reports).ReasonCode);
    }

    [Fact]
    public async Task An_approval_the_ledger_holds_for_another_environment_is_refused_online()
    {
        _given.Ledger.Standings["approval-1"] = _given.Standing(
            "approval-1",
            "Approved",
            expiresAt: _given.Clock.Now.AddDays(90),
            environment: "staging"
        );
        Assert.Equal("approval_scope_mismatch", await RefusalOf(_given.Envelope()));
    }

    [Fact]
    public async Task An_envelope_that_is_not_the_one_the_ledger_issued_is_refused_online_even_with_the_same_statement()
    {
        _given.Approved();
        // The same statement signed again (by a trusted key, e.g. a leaked or retired one): a different envelope digest.
        Assert.Equal("attestation_digest_mismatch", await RefusalOf(_given.Envelope(_given.Statement())));
    }

    [Fact]
    public async Task An_approval_the_ledger_says_was_rejected_or_does_not_know_is_refused()
    {
        _given.Ledger.Standings["approval-1"] = _given.Standing("approval-1", "Rejected");
        Assert.Equal("approval_not_granted", await RefusalOf(_given.Envelope()));
        _given.Ledger.Standings.Clear();
        Assert.Equal("approval_unknown", await RefusalOf(_given.Envelope()));
    }

    [Theory]
    [InlineData("{", "envelope_malformed")]
    [InlineData(
        """{"payloadType":"application/vnd.in-toto+json","payload":"%%%not-base64%%%","signatures":[{"keyid":"k","sig":"AA=="}]}""",
        "envelope_malformed"
    )]
    [InlineData("""{"payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"k","sig":"AA=="}]}""", "envelope_malformed")]
    [InlineData(
        """{"payloadType":"application/json","payload":"e30=","signatures":[{"keyid":"k","sig":"AA=="}]}""",
        "payload_type_unsupported"
    )]
    [InlineData("""{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}""", "envelope_malformed")]
    public async Task A_malformed_envelope_is_refused(string envelope, string code)
    {
        _given.Approved();
        Assert.Equal(code, await RefusalOf(Encoding.UTF8.GetBytes(envelope)));
    }

    [Fact]
    public async Task A_signed_payload_that_is_not_our_statement_is_refused()
    {
        _given.Approved();
        var payload = Encoding.UTF8.GetBytes(
            """{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"""
        );
        var sig = _given.Signer.Sign(Dsse.PreAuthenticationEncoding(Statement.PayloadType, payload));
        var envelope = new Envelope(
            Statement.PayloadType,
            Convert.ToBase64String(payload),
            [new EnvelopeSignature(_given.Signer.KeyId, Convert.ToBase64String(sig))]
        );
        Assert.Equal("statement_malformed", await RefusalOf(Dsse.Serialize(envelope)));
    }

    [Fact]
    public async Task When_the_ledger_is_unreachable_a_fresh_cached_answer_is_used_and_otherwise_the_load_fails_closed()
    {
        _given.Approved();
        var loader = _given.Loader();
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);

        _given.Ledger.Unreachable = true;
        _given.Clock.Now = _given.Clock.Now.AddSeconds(10);
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);

        _given.Clock.Now = _given.Clock.Now.AddSeconds(60);
        Assert.Equal("ledger_unreachable", await RefusalOf(_given.Envelope(), loader));
    }

    private ApprovedModelLoader? _loaderServed;
    private VerifiedArtifact? _served;

    /// <summary>A loaded model re-verified every 60 s of the injected clock while the ledger is down for <paramref
    /// name="outage"/> from the first check on; the refusal code of the first check that refused, if any. The loader and
    /// the served artifact are kept in <see cref="_loaderServed"/> and <see cref="_served"/>.</summary>
    private async Task<(string? Refusal, TimeSpan At)> ServeThroughOutage(TimeSpan outage, TimeSpan watched)
    {
        _given.Approved();
        var loader = _loaderServed = _given.Loader();
        var (_, artifact) = await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        _served = artifact;
        var start = _given.Clock.Now;
        for (var elapsed = TimeSpan.FromSeconds(60); elapsed <= watched; elapsed += TimeSpan.FromSeconds(60))
        {
            _given.Clock.Now = start + elapsed;
            _given.Ledger.Unreachable = elapsed <= outage;
            try
            {
                await loader.ReverifyAsync(artifact, Intended);
            }
            catch (ModelLoadRefusedException refused)
            {
                return (refused.Code, elapsed);
            }
        }
        return (null, watched);
    }

    [Fact]
    public async Task A_serving_model_keeps_serving_through_a_short_ledger_outage()
    {
        // Down from the first check (60 s after the load's answer) for one check: well within 30 s + 5 min.
        var (refusal, _) = await ServeThroughOutage(outage: TimeSpan.FromSeconds(75), watched: TimeSpan.FromMinutes(10));
        Assert.Null(refusal);
    }

    [Fact]
    public async Task A_serving_model_stops_when_the_outage_outlasts_the_grace()
    {
        var (refusal, at) = await ServeThroughOutage(outage: TimeSpan.FromMinutes(7), watched: TimeSpan.FromMinutes(10));
        Assert.Equal("ledger_unreachable", refusal);
        // The last answer was at the load; it is trusted for 30 s plus the 5 min grace, so the 6-minute check refuses.
        Assert.Equal(TimeSpan.FromMinutes(6), at);
    }

    [Fact]
    public async Task A_model_not_yet_loaded_never_loads_without_a_fresh_answer_even_with_an_old_one_cached()
    {
        _given.Approved();
        var loader = _given.Loader();
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        _given.Ledger.Unreachable = true;
        _given.Clock.Now = _given.Clock.Now.AddSeconds(45);
        Assert.Equal("ledger_unreachable", await RefusalOf(_given.Envelope(), loader));
    }

    [Fact]
    public async Task An_hour_of_re_verification_every_minute_reports_no_load_only_verifications_and_a_revocation_stops_the_model_once()
    {
        _given.Approved();
        var loader = _given.Loader();
        var (_, artifact) = await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        var loadReports = _given.Ledger.Reports.Count;
        for (var minute = 1; minute <= 60; minute++)
        {
            _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
            await loader.ReverifyAsync(artifact, Intended);
        }
        Assert.Equal(loadReports, _given.Ledger.Reports.Count);
        Assert.Equal(60, _given.Ledger.Verifications.Count);
        Assert.All(
            _given.Ledger.Verifications,
            v =>
                Assert.Equal(
                    new VerificationOutcome(
                        LoaderFixture.Model,
                        LoaderFixture.Version,
                        new VerificationReport(LoaderFixture.Environment, "scorer-test", _given.ArtifactDigest, "approval-1")
                    ),
                    v
                )
        );

        _given.Ledger.Standings["approval-1"] = _given.Standing(
            "approval-1",
            "Revoked",
            revoked: true,
            expiresAt: _given.Clock.Now.AddDays(90),
            revokedAt: _given.Clock.Now,
            revocationReason: "Drift"
        );
        _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
        var refused = await Assert.ThrowsAsync<ModelLoadRefusedException>(() => loader.ReverifyAsync(artifact, Intended));
        Assert.Equal("approval_revoked", refused.Code);
        Assert.Equal("approval_revoked", _given.Ledger.Reports[^1].ReasonCode);
        Assert.Equal(loadReports + 1, _given.Ledger.Reports.Count);
    }

    [Fact]
    public async Task A_stopped_server_retrying_every_minute_reports_its_refusal_once_and_serving_again_once()
    {
        _given.Approved();
        var loader = _given.Loader();
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        var swapped = _given.ArtifactBytes.ToArray();
        swapped[10] ^= 0x01;
        await File.WriteAllBytesAsync(_given.ArtifactPath, swapped);
        for (var minute = 1; minute <= 30; minute++)
        {
            _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
            Assert.Equal("digest_mismatch", await RefusalOf(_given.Envelope(), loader));
        }
        await File.WriteAllBytesAsync(_given.ArtifactPath, _given.ArtifactBytes);
        _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);

        Assert.Equal([true, false, true], _given.Ledger.Reports.Select(r => r.Loaded));
        Assert.Equal("digest_mismatch", _given.Ledger.Reports[1].ReasonCode);
    }

    [Fact]
    public async Task A_stop_during_a_ledger_outage_is_reported_once_when_the_ledger_answers_again_before_the_new_load()
    {
        var (refusal, _) = await ServeThroughOutage(outage: TimeSpan.FromMinutes(7), watched: TimeSpan.FromMinutes(10));
        Assert.Equal("ledger_unreachable", refusal);
        var loader = _loaderServed!;
        for (var minute = 1; minute <= 3; minute++)
        {
            _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
            Assert.Equal("ledger_unreachable", await RefusalOf(_given.Envelope(), loader));
        }
        Assert.Equal([true], _given.Ledger.Reports.Select(r => r.Loaded));

        _given.Ledger.Unreachable = false;
        _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
        await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        Assert.Equal([true, false, true], _given.Ledger.Reports.Select(r => r.Loaded));
        Assert.Equal("ledger_unreachable", _given.Ledger.Reports[1].ReasonCode);
    }

    [Fact]
    public async Task No_verification_is_sent_on_the_outage_grace_and_one_the_ledger_refuses_never_stops_serving()
    {
        var (refusal, _) = await ServeThroughOutage(outage: TimeSpan.FromMinutes(3), watched: TimeSpan.FromMinutes(5));
        Assert.Null(refusal);
        // Down for the checks at minutes 1-3 (served on the grace: nothing sent); the ledger answered again at minutes 4 and 5.
        Assert.Equal(2, _given.Ledger.VerificationAttempts);
        Assert.Equal(2, _given.Ledger.Verifications.Count);

        _given.Ledger.RefusesVerifications = true;
        for (var minute = 1; minute <= 5; minute++)
        {
            _given.Clock.Now = _given.Clock.Now.AddMinutes(1);
            await _loaderServed!.ReverifyAsync(_served!, Intended);
        }
        Assert.Equal(7, _given.Ledger.VerificationAttempts);
        Assert.Equal(2, _given.Ledger.Verifications.Count);
        Assert.Equal([true], _given.Ledger.Reports.Select(r => r.Loaded));
    }

    [Fact]
    public async Task Without_pinned_keys_the_ledgers_key_set_is_used_and_an_unreachable_ledger_refuses()
    {
        _given.Approved();
        await _given.Loader(pinKeys: false).LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length);
        _given.Ledger.Unreachable = true;
        Assert.Equal("ledger_unreachable", await RefusalOf(_given.Envelope(), _given.Loader(pinKeys: false)));
    }

    [Fact]
    public async Task Large_artifacts_are_verified_by_streaming_and_loaded_from_the_same_handle()
    {
        _given.Approved();
        var loader = new ApprovedModelLoader(
            new ServingOptions
            {
                Environment = LoaderFixture.Environment,
                PinnedKeys = _given.Ledger.Keys,
                MaxInMemoryArtifactBytes = 1024,
            },
            _given.Ledger,
            _given.Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ApprovedModelLoader>.Instance
        );
        var (length, artifact) = await loader.LoadAsync(_given.ArtifactPath, _given.Envelope(), Intended, s => s.Length - s.Position);
        Assert.Equal(_given.ArtifactBytes.Length, length);
        Assert.Equal(_given.ArtifactDigest, artifact.ArtifactDigest);
    }

    [Fact]
    public void The_envelope_digest_is_the_sha256_of_its_canonical_json()
    {
        var envelope = Dsse.Sign(_given.Statement(), _given.Signer);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Dsse.Serialize(envelope))), Dsse.DigestOf(envelope));
        Assert.Equal(JsonSerializer.Serialize(envelope, AttestationJson.Options), Encoding.UTF8.GetString(Dsse.Serialize(envelope)));
    }
}
