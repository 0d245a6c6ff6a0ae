using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Domain.Deployments;
using Governance.Domain.Shared;
using Governance.Ledger.Attestations;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class AttestationEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private async Task<(byte[] Envelope, JwkSet Keys)> Fetch(string approvalId)
    {
        using var response = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/attestation");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var envelope = await response.Content.ReadAsByteArrayAsync();
        var keys = (await _ledger.Pipeline.GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;
        return (envelope, keys);
    }

    [Fact]
    public async Task The_attestation_keys_are_public_and_cacheable_so_offline_verifiers_need_no_token()
    {
        using var response = await _ledger.Anonymous.GetAsync("/api/v1/attestation-keys");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge: { TotalSeconds: 300 } }, $"{response.Headers.CacheControl}");
        var keys = (await response.Content.ReadFromJsonAsync<JwkSet>())!;
        Assert.NotEmpty(keys.Keys);
    }

    [Fact]
    public async Task The_public_key_set_is_rate_limited_per_address()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:PublicKeysPerMinute", "2"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await limited.CreateClient().GetAsync("/api/v1/attestation-keys");
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A_granted_high_risk_approval_is_attested_with_a_signature_that_verifies_against_the_published_keys()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion("High");
        var (envelope, keys) = await Fetch(approvalId);

        var verified = AttestationVerifier.Verify(
            envelope,
            new Expectation(digest, "production", modelId, "1.0.0"),
            keys,
            DateTimeOffset.UtcNow
        );
        Assert.True(verified.Verified, verified.Message);
        Assert.Equal(["user:officer-rita", "user:officer-ravi"], verified.Approval!.Approvers.Select(a => a.SubjectId));
        Assert.Equal("High", verified.Approval.RiskTier);
        Assert.Equal("Passed", verified.Approval.Validation.Outcome);
        Assert.Equal("model_version_approved", verified.Approval.LedgerEvent.EventType);

        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal(Digest.OfBytes(envelope), approval.GetProperty("attestationDigest").GetString());
    }

    [Fact]
    public async Task No_attestation_exists_before_all_required_approvals_are_in()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);

        await _ledger
            .Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/attestation")
            .ExpectProblem(HttpStatusCode.NotFound, "attestation.not_issued");
        await _ledger
            .Pipeline.GetAsync($"/api/v1/approvals/{Guid.NewGuid()}/attestation")
            .ExpectProblem(HttpStatusCode.NotFound, "approval.not_found");
    }

    [Fact]
    public async Task After_a_key_rotation_earlier_attestations_still_verify_and_new_ones_use_the_new_key()
    {
        var (firstModel, firstDigest, firstApproval) = await _ledger.ApprovedVersion();
        var admin = app.As("admin-adam", Roles.Admin);
        var rotated = await admin
            .PostAsJsonAsync("/api/v1/admin/attestation-keys/rotation", new { reason = "Quarterly rotation" })
            .Expect(HttpStatusCode.OK);
        Assert.True(rotated.GetProperty("keys").GetArrayLength() >= 2);
        await _ledger
            .Auditor.PostAsJsonAsync("/api/v1/admin/attestation-keys/rotation", new { reason = "Not mine to do" })
            .Expect(HttpStatusCode.Forbidden);

        var (secondModel, secondDigest, secondApproval) = await _ledger.ApprovedVersion();
        var (first, keys) = await Fetch(firstApproval);
        var (second, _) = await Fetch(secondApproval);
        var old = AttestationVerifier.Verify(first, new Expectation(firstDigest, "production", firstModel), keys, DateTimeOffset.UtcNow);
        var fresh = AttestationVerifier.Verify(
            second,
            new Expectation(secondDigest, "production", secondModel),
            keys,
            DateTimeOffset.UtcNow
        );
        Assert.True(old.Verified, old.Message);
        Assert.True(fresh.Verified, fresh.Message);
        Assert.NotEqual(old.KeyId, fresh.KeyId);
        Assert.Equal("current", keys.Keys.Single(k => k.Kid == fresh.KeyId).Status);
        Assert.Equal("retired", keys.Keys.Single(k => k.Kid == old.KeyId).Status);
    }

    [Fact]
    public async Task The_status_endpoint_reports_a_revocation_for_model_servers()
    {
        var (modelId, _, approvalId) = await _ledger.ApprovedVersion();
        var before = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/status").Expect(HttpStatusCode.OK);
        Assert.False(before.GetProperty("revoked").GetBoolean());
        await _ledger
            .OfficerRita.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation", new { reason = "Drift" })
            .Expect(HttpStatusCode.OK);
        var after = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/status").Expect(HttpStatusCode.OK);
        Assert.True(after.GetProperty("revoked").GetBoolean());
        Assert.Equal("Drift", after.GetProperty("revocationReason").GetString());
    }

    [Fact]
    public async Task A_reported_load_that_no_approval_allows_is_recorded_as_unapproved_and_answered_409()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var server = app.As("model-server", Roles.DeploymentPipeline);
        var path = $"{Scenario.VersionPath(modelId)}/loads";
        object Report(string artifactDigest, string? approval, string environment = "production") =>
            new
            {
                environment,
                host = "scorer-1",
                artifactDigest,
                loaded = true,
                approvalId = approval,
            };

        var cases = new (object Report, string Reason)[]
        {
            (Report(Scenario.DigestOf("never approved"), approvalId), "digest_mismatch"),
            (Report(digest, "0193c1b5-0000-7000-8000-000000000000"), "approval_not_named"),
            (Report(digest, approvalId, environment: "staging"), "no_approval_for_environment"),
        };
        foreach (var (report, reason) in cases)
        {
            var before = await app.EventCount();
            var problem = await server.PostAsJsonAsync(path, report).ExpectProblem(HttpStatusCode.Conflict, "load.unapproved");
            Assert.Contains(reason, problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
            Assert.True(problem.GetProperty("recorded").GetBoolean());
            Assert.Equal(before + 1, await app.EventCount());
        }

        var version = await _ledger.GetVersion(modelId);
        Assert.Empty(version.GetProperty("loads").EnumerateArray());
        Assert.Equal(3, version.GetProperty("unapprovedLoads").GetArrayLength());
        // The dashboard's alerts: each report with its host, environment, digest and reasons, newest first.
        var alerts = await app.Services.GetRequiredService<ModelInventory>().UnapprovedLoadsAsync(1000, CancellationToken.None);
        var ours = alerts.Newest.Where(a => a.ModelId == modelId).Select(a => a.Load).ToArray();
        Assert.Equal(cases.Select(c => c.Reason).Reverse(), ours.Select(l => l.Reasons[0].Code));
        Assert.All(ours, l => Assert.Equal("scorer-1", l.Host));
        Assert.Equal(["staging", "production", "production"], ours.Select(l => l.Environment));
        Assert.Equal(Scenario.DigestOf("never approved"), ours[^1].ArtifactDigest);
        Assert.True(alerts.Total >= 3);
        await server.PostAsJsonAsync(path, Report(digest, approvalId)).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Model_servers_report_loads_and_refusals_which_the_version_keeps()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var server = app.As("model-server", Roles.DeploymentPipeline);
        var path = $"{Scenario.VersionPath(modelId)}/loads";
        await server
            .PostAsJsonAsync(
                path,
                new
                {
                    environment = "production",
                    host = "scorer-1",
                    artifactDigest = digest,
                    loaded = true,
                    approvalId,
                }
            )
            .Expect(HttpStatusCode.Created);
        await server
            .PostAsJsonAsync(
                path,
                new
                {
                    environment = "production",
                    host = "scorer-2",
                    artifactDigest = Scenario.DigestOf("swapped"),
                    loaded = false,
                    reasonCode = "digest_mismatch",
                }
            )
            .Expect(HttpStatusCode.Created);
        var problem = await server
            .PostAsJsonAsync(
                path,
                new
                {
                    environment = "production",
                    host = "scorer-3",
                    artifactDigest = digest,
                    loaded = false,
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("reasonCode", out _));
        await _ledger
            .Owner.PostAsJsonAsync(
                path,
                new
                {
                    environment = "production",
                    host = "x",
                    artifactDigest = digest,
                    loaded = true,
                }
            )
            .Expect(HttpStatusCode.Forbidden);

        var loads = (await _ledger.GetVersion(modelId)).GetProperty("loads").EnumerateArray().ToArray();
        Assert.Equal([true, false], loads.Select(l => l.GetProperty("loaded").GetBoolean()));
        Assert.Equal("digest_mismatch", loads[1].GetProperty("refusalCode").GetString());
    }

    private static object Verification(string digest, string approvalId, string host = "scorer-1", string environment = "production") =>
        new
        {
            environment,
            host,
            artifactDigest = digest,
            approvalId,
        };

    private async Task<IReadOnlyList<LastVerification>> StoredVerifications(string modelId)
    {
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<LastVerification>().Where(v => v.ModelId == modelId).ToListAsync();
    }

    [Fact]
    public async Task A_passing_re_verification_overwrites_the_hosts_last_verified_record_and_never_touches_the_version()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var server = app.As("model-server", Roles.DeploymentPipeline);
        var path = Scenario.VersionPath(modelId);
        await server
            .PostAsJsonAsync(
                $"{path}/loads",
                new
                {
                    environment = "production",
                    host = "scorer-1",
                    artifactDigest = digest,
                    loaded = true,
                    approvalId,
                }
            )
            .Expect(HttpStatusCode.Created);
        using var before = await _ledger.Auditor.GetAsync(path);
        var events = await app.EventCount();

        var first = await server.PostAsJsonAsync($"{path}/verifications", Verification(digest, approvalId)).Expect(HttpStatusCode.OK);
        try
        {
            app.Clock.Offset = TimeSpan.FromMinutes(1);
            var second = await server.PostAsJsonAsync($"{path}/verifications", Verification(digest, approvalId)).Expect(HttpStatusCode.OK);
            var advanced = second.GetProperty("verifiedAt").GetDateTimeOffset() - first.GetProperty("verifiedAt").GetDateTimeOffset();
            Assert.InRange(advanced, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1.1));
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }

        using var after = await _ledger.Auditor.GetAsync(path);
        Assert.Equal(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(events, await app.EventCount());
        var serving = await _ledger.Auditor.GetAsync($"{path}/serving").Expect(HttpStatusCode.OK);
        var host = Assert.Single(serving.EnumerateArray());
        Assert.Equal(
            ("production", "scorer-1", true),
            (host.GetProperty("environment").GetString(), host.GetProperty("host").GetString(), host.GetProperty("serving").GetBoolean())
        );
        Assert.Equal(approvalId, host.GetProperty("lastReport").GetProperty("approvalId").GetString());
        var verified = host.GetProperty("lastVerification");
        Assert.Equal(
            (digest, approvalId),
            (verified.GetProperty("artifactDigest").GetString(), verified.GetProperty("approvalId").GetString())
        );
        Assert.Single(await StoredVerifications(modelId));
        await _ledger.Pipeline.GetAsync($"{path}/serving").Expect(HttpStatusCode.Forbidden);
        await _ledger
            .Auditor.GetAsync($"{Scenario.VersionPath(modelId, "9.9.9")}/serving")
            .ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
        // HTTP cannot carry NUL in a path, but a caller of the ledger library can: not found, not PostgreSQL's 22P05.
        var hosts = app.Services.GetRequiredService<ServingHosts>();
        Assert.Null(await hosts.OfVersionAsync(new VersionRef(modelId + "\0", "1.0.0"), CancellationToken.None));
    }

    [Fact]
    public async Task A_verification_that_matches_no_recorded_load_of_that_host_is_refused_409_and_stores_nothing()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var server = app.As("model-server", Roles.DeploymentPipeline);
        var path = Scenario.VersionPath(modelId);
        object Load(string host, bool loaded) =>
            new
            {
                environment = "production",
                host,
                artifactDigest = digest,
                loaded,
                approvalId = loaded ? approvalId : null,
                reasonCode = loaded ? null : "approval_revoked",
            };
        await server.PostAsJsonAsync($"{path}/loads", Load("scorer-1", loaded: true)).Expect(HttpStatusCode.Created);
        await server.PostAsJsonAsync($"{path}/loads", Load("scorer-2", loaded: true)).Expect(HttpStatusCode.Created);
        await server.PostAsJsonAsync($"{path}/loads", Load("scorer-2", loaded: false)).Expect(HttpStatusCode.Created);
        var events = await app.EventCount();

        var refused = new (object Body, HttpStatusCode Status, string Code)[]
        {
            (Verification(digest, approvalId, host: "scorer-9"), HttpStatusCode.Conflict, "verification.not_loaded"),
            (Verification(digest, approvalId, environment: "staging"), HttpStatusCode.Conflict, "verification.not_loaded"),
            (Verification(digest, approvalId, host: "scorer-2"), HttpStatusCode.Conflict, "verification.not_loaded"),
            (Verification(Scenario.DigestOf("other"), approvalId), HttpStatusCode.Conflict, "verification.load_mismatch"),
            (Verification(digest, Guid.NewGuid().ToString()), HttpStatusCode.Conflict, "verification.load_mismatch"),
            (Verification(digest, approvalId, host: "scorer-1\u0000"), HttpStatusCode.BadRequest, "invalid_input"),
            (Verification(digest, approvalId, host: "scorer-1\n"), HttpStatusCode.BadRequest, "invalid_input"),
            (Verification(digest, approvalId, host: new string('h', 201)), HttpStatusCode.BadRequest, "invalid_input"),
            (Verification("sha256:abc", approvalId), HttpStatusCode.BadRequest, "invalid_input"),
            (
                new
                {
                    environment = "production",
                    host = "scorer-1",
                    artifactDigest = digest,
                },
                HttpStatusCode.BadRequest,
                "invalid_input"
            ),
        };
        foreach (var (body, status, code) in refused)
            await server.PostAsJsonAsync($"{path}/verifications", body).ExpectProblem(status, code);
        await _ledger.Owner.PostAsJsonAsync($"{path}/verifications", Verification(digest, approvalId)).Expect(HttpStatusCode.Forbidden);
        await server
            .PostAsJsonAsync($"{Scenario.VersionPath(modelId, "9.9.9")}/verifications", Verification(digest, approvalId))
            .ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");

        Assert.Empty(await StoredVerifications(modelId));
        Assert.Equal(events, await app.EventCount());
        var hosts = await _ledger.Auditor.GetAsync($"{path}/serving").Expect(HttpStatusCode.OK);
        Assert.Equal([true, false], hosts.EnumerateArray().Select(h => h.GetProperty("serving").GetBoolean()));
        Assert.All(hosts.EnumerateArray(), h => Assert.Equal(JsonValueKind.Null, h.GetProperty("lastVerification").ValueKind));
    }

    [Fact]
    public async Task The_signature_is_over_the_dsse_pre_authentication_encoding_of_the_payload()
    {
        var (_, _, approvalId) = await _ledger.ApprovedVersion();
        var (envelopeBytes, keys) = await Fetch(approvalId);
        var envelope = JsonSerializer.Deserialize<Envelope>(envelopeBytes)!;
        var payload = Convert.FromBase64String(envelope.Payload);
        var pae = Dsse.PreAuthenticationEncoding(envelope.PayloadType, payload);

        Assert.StartsWith($"DSSEv1 28 application/vnd.in-toto+json {payload.Length} ", Encoding.ASCII.GetString(pae));
        using var key = Jwks.ToKey(keys.Keys.Single(k => k.Kid == envelope.Signatures[0].KeyId));
        Assert.True(
            key.VerifyData(
                pae,
                Convert.FromBase64String(envelope.Signatures[0].Sig),
                System.Security.Cryptography.HashAlgorithmName.SHA256,
                System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence
            )
        );
    }
}
