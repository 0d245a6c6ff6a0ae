using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>A ledger of its own: these tests rotate and compromise its keys.</summary>
public sealed class KeyLifecycleApp : LedgerApp;

/// <summary>
/// Issue 11, items 1 and 2: key windows, rotation and compromise as recorded facts, and the signed status list that
/// carries revocations and re-attestations to offline verifiers. Attacks are played with a copy of a private key taken
/// before it was retired (an insider's backup).
/// </summary>
public sealed class AttestationKeyLifecycleTests(KeyLifecycleApp app) : IClassFixture<KeyLifecycleApp>
{
    private readonly Scenario _ledger = new(app);
    private readonly HttpClient _admin = app.As("admin-adam", Roles.Admin);

    private string KeysFolder => Path.Combine(app.DataFolder, "attestation-keys");

    private async Task<JwkSet> Keys() => (await _ledger.Anonymous.GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;

    private async Task<byte[]> Envelope(string approvalId) =>
        await _ledger.Pipeline.GetByteArrayAsync($"/api/v1/approvals/{approvalId}/attestation");

    private async Task<(byte[] Envelope, ApprovalStatusList List)> StatusList()
    {
        var bytes = await _ledger.Pipeline.GetByteArrayAsync("/api/v1/approvals/status-list");
        var verified = ApprovalStatusList.Verify(bytes, await Keys(), app.Clock.GetUtcNow(), TimeSpan.Zero);
        Assert.True(verified.Verified, verified.Message);
        return (bytes, verified.List!);
    }

    /// <summary>The current key's private part, copied as an insider with access to the key folder could.</summary>
    private async Task<PemSigner> StealCurrentKey()
    {
        var kid = (await Keys()).Keys.Single(k => k.Status == "current").Kid;
        var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(KeysFolder, kid + ".pem")));
        return new PemSigner(kid, key);
    }

    private static Statement StatementOf(byte[] envelope)
    {
        var parsed = JsonSerializer.Deserialize<Envelope>(envelope, AttestationJson.Options)!;
        return JsonSerializer.Deserialize<Statement>(Convert.FromBase64String(parsed.Payload), AttestationJson.Options)!;
    }

    /// <summary>The genuine statement re-pointed at another artifact, issued at <paramref name="issuedAt"/>, signed by
    /// <paramref name="signer"/>.</summary>
    private static byte[] Forge(byte[] genuine, string artifactDigest, DateTimeOffset issuedAt, IAttestationSigner signer)
    {
        var statement = StatementOf(genuine);
        var forged = statement with
        {
            Subjects = [new Subject("forged.zip", new Dictionary<string, string> { ["sha256"] = artifactDigest[7..] })],
            Predicate = statement.Predicate with { IssuedAt = issuedAt },
        };
        return Dsse.Serialize(Dsse.Sign(forged, signer));
    }

    private Verification Verify(byte[] envelope, string digest, string modelId, ApprovalStatusList? list = null) =>
        AttestationVerifier.Verify(envelope, new Expectation(digest, "production", modelId), Keys().Result, app.Clock.GetUtcNow(), list);

    private Task<JsonElement> Rotate(string reason = "Quarterly rotation") =>
        _admin.PostAsJsonAsync("/api/v1/admin/attestation-keys/rotation", new { reason }).Expect(HttpStatusCode.OK);

    [Fact]
    public async Task A_rotation_is_in_the_security_log_with_its_actor_and_reason_and_destroys_the_retired_private_key()
    {
        var before = (await Keys()).Keys.Single(k => k.Status == "current");

        await Rotate("Annual rotation per key policy KP-7");

        var keys = await Keys();
        var retired = keys.Keys.Single(k => k.Kid == before.Kid);
        var current = keys.Keys[0];
        Assert.Equal(("retired", "current"), (retired.Status, current.Status));
        // The same instant, rounded outward: nbf down, exp up.
        Assert.InRange(retired.Expires!.Value - current.NotBefore!.Value, 0, 1);
        Assert.Null(current.Expires);
        Assert.False(File.Exists(Path.Combine(KeysFolder, before.Kid + ".pem")), "the retired private key is destroyed");
        Assert.True(File.Exists(Path.Combine(KeysFolder, current.Kid + ".pem")));

        var log = await _admin.GetAsync("/api/v1/security-log?limit=500").Expect(HttpStatusCode.OK);
        var rotation = log.GetProperty("events")
            .EnumerateArray()
            .Where(e => e.GetProperty("reason").GetString() == "Annual rotation per key policy KP-7")
            .ToArray();
        Assert.Equal(
            ["attestation_key_retired", "attestation_key_activated"],
            rotation.Select(e => e.GetProperty("eventType").GetString())
        );
        Assert.All(rotation, e => Assert.Equal("user:admin-adam", e.GetProperty("actor").GetProperty("subjectId").GetString()));
    }

    [Fact]
    public async Task A_rotation_without_a_reason_is_refused_and_changes_nothing()
    {
        var keys = await Keys();
        var events = await app.EventCount();
        var files = Directory.GetFiles(KeysFolder);

        await _admin
            .PostAsJsonAsync("/api/v1/admin/attestation-keys/rotation", new { reason = "" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Auditor.PostAsJsonAsync("/api/v1/admin/attestation-keys/rotation", new { reason = "x" })
            .Expect(HttpStatusCode.Forbidden);

        Assert.Equal(events, await app.EventCount());
        Assert.Equal(keys.Keys.Select(k => k.Kid), (await Keys()).Keys.Select(k => k.Kid));
        Assert.Equal(files, Directory.GetFiles(KeysFolder));
    }

    [Fact]
    public async Task A_statement_a_retired_key_signs_after_its_retirement_is_refused()
    {
        var (modelId, _, approvalId) = await _ledger.ApprovedVersion();
        using var stolen = await StealCurrentKey();
        await Rotate();
        var otherArtifact = Scenario.DigestOf("never registered");

        var forged = Forge(await Envelope(approvalId), otherArtifact, app.Clock.GetUtcNow().AddSeconds(2), stolen);

        var refused = Verify(forged, otherArtifact, modelId);
        Assert.Equal("key_retired", refused.Code);
    }

    [Fact]
    public async Task A_statement_backdated_into_a_retired_key_s_window_is_refused_online_and_offline_with_a_status_list()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        using var stolen = await StealCurrentKey();
        var genuine = await Envelope(approvalId);
        await Rotate();
        // Backdated to the approval's own issue time, and for the very artifact approved: only the envelope differs.
        var statement = StatementOf(genuine);
        var backdated = Dsse.Serialize(
            Dsse.Sign(statement with { Predicate = statement.Predicate with { Conditions = ["none"] } }, stolen)
        );

        var offline = Verify(backdated, digest, modelId);
        Assert.True(offline.Verified, "the key window alone cannot catch a backdated statement: " + offline.Message);

        var online = await _ledger.Pipeline.GetFromJsonAsync<ApprovalStatusAnswer>($"/api/v1/approvals/{approvalId}/status");
        var verified = Verify(backdated, digest, modelId);
        Assert.Equal(
            "attestation_digest_mismatch",
            ApprovalStanding.Problem(online, verified.Approval!, digest, verified.EnvelopeDigest!)?.Code
        );

        var (_, list) = await StatusList();
        Assert.Equal("attestation_digest_mismatch", Verify(backdated, digest, modelId, list).Code);
        Assert.True(Verify(genuine, digest, modelId, list).Verified);
    }

    [Fact]
    public async Task A_revoked_approval_is_refused_offline_with_a_status_list_issued_after_the_revocation()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var envelope = await Envelope(approvalId);
        var (_, before) = await StatusList();
        await _ledger
            .OfficerRita.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation", new { reason = "Drift" })
            .Expect(HttpStatusCode.OK);

        var (_, after) = await StatusList();

        Assert.True(Verify(envelope, digest, modelId, before).Verified, "a list from before the revocation cannot know it");
        var refused = Verify(envelope, digest, modelId, after);
        Assert.Equal("approval_revoked", refused.Code);
        Assert.Contains("Drift", refused.Message);
    }

    [Fact]
    public async Task A_status_list_past_its_next_update_and_grace_is_refused()
    {
        var (bytes, list) = await StatusList();
        var keys = await Keys();
        var grace = TimeSpan.FromMinutes(10);

        Assert.True(ApprovalStatusList.Verify(bytes, keys, list.NextUpdate + grace - TimeSpan.FromSeconds(1), grace).Verified);
        var stale = ApprovalStatusList.Verify(bytes, keys, list.NextUpdate + grace, grace);
        Assert.Equal("status_list_stale", stale.Code);
        Assert.Equal(TimeSpan.FromHours(24), list.NextUpdate - list.IssuedAt);
    }

    [Fact]
    public async Task A_status_list_with_an_altered_entry_does_not_verify()
    {
        var (bytes, _) = await StatusList();
        var envelope = JsonSerializer.Deserialize<Envelope>(bytes, AttestationJson.Options)!;
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Convert.FromBase64String(envelope.Payload))!;
        payload["nextUpdate"] = DateTimeOffset.UtcNow.AddYears(1).ToString("O");
        var altered = Dsse.Serialize(envelope with { Payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.ToJsonString())) });

        Assert.Equal("signature_invalid", ApprovalStatusList.Verify(altered, await Keys(), app.Clock.GetUtcNow(), TimeSpan.Zero).Code);
    }

    [Fact]
    public async Task A_compromised_key_is_replaced_its_still_valid_approvals_are_re_attested_and_its_later_statements_refused()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var (revokedModel, _, revokedApproval) = await _ledger.ApprovedVersion();
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(revokedModel)}/approvals/{revokedApproval}/revocation",
                new { reason = "Withdrawn" }
            )
            .Expect(HttpStatusCode.OK);
        var original = await Envelope(approvalId);
        using var stolen = await StealCurrentKey();
        var compromisedAt = app.Clock.GetUtcNow();

        var report = await _admin
            .PostAsJsonAsync(
                $"/api/v1/admin/attestation-keys/{stolen.KeyId}/compromise",
                new { compromisedAt, reason = "Key file found on a shared drive" }
            )
            .Expect(HttpStatusCode.OK);

        var reattested = report.GetProperty("reattestedApprovals").Strings().ToArray();
        Assert.Contains(approvalId, reattested);
        Assert.DoesNotContain(revokedApproval, reattested);
        var keys = await Keys();
        var compromised = keys.Keys.Single(k => k.Kid == stolen.KeyId);
        Assert.Equal(("compromised", (compromisedAt.ToUnixTimeMilliseconds() + 999) / 1000), (compromised.Status, compromised.Expires));
        Assert.NotEqual(stolen.KeyId, keys.Keys[0].Kid);

        var renewed = await Envelope(approvalId);
        var verified = Verify(renewed, digest, modelId);
        Assert.True(verified.Verified, verified.Message);
        Assert.Equal(keys.Keys[0].Kid, verified.KeyId);
        var (_, list) = await StatusList();
        Assert.Equal("attestation_digest_mismatch", Verify(original, digest, modelId, list).Code);
        Assert.True(Verify(renewed, digest, modelId, list).Verified);

        var later = Forge(original, Scenario.DigestOf("after the compromise"), compromisedAt.AddSeconds(1), stolen);
        Assert.Equal("key_compromised", Verify(later, Scenario.DigestOf("after the compromise"), modelId).Code);
    }

    [Fact]
    public async Task A_compromise_report_for_an_unknown_key_or_a_future_time_is_refused_and_changes_nothing()
    {
        var current = (await Keys()).Keys[0].Kid;
        var events = await app.EventCount();

        await _admin
            .PostAsJsonAsync(
                "/api/v1/admin/attestation-keys/no-such-key/compromise",
                new { compromisedAt = DateTimeOffset.UtcNow, reason = "x" }
            )
            .ExpectProblem(HttpStatusCode.NotFound, "attestation_key.not_found");
        await _admin
            .PostAsJsonAsync(
                $"/api/v1/admin/attestation-keys/{current}/compromise",
                new { compromisedAt = app.Clock.GetUtcNow().AddDays(1), reason = "Pre-emptive" }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        Assert.Equal(events, await app.EventCount());
        Assert.Equal(current, (await Keys()).Keys[0].Kid);
    }
}

/// <summary>A ledger started on a key folder an earlier release wrote: PEM files and a "current" pointer, no key events.</summary>
public sealed class EarlierReleaseKeysApp : LedgerApp
{
    public string CurrentKeyId { get; }
    public string RetiredKeyId { get; }

    public EarlierReleaseKeysApp()
    {
        var folder = Path.Combine(DataFolder, "attestation-keys");
        Directory.CreateDirectory(folder);
        string Write()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var kid = Jwks.KeyIdOf(key);
            File.WriteAllText(Path.Combine(folder, kid + ".pem"), key.ExportPkcs8PrivateKeyPem());
            return kid;
        }
        RetiredKeyId = Write();
        CurrentKeyId = Write();
        File.WriteAllText(Path.Combine(folder, "current"), CurrentKeyId);
    }
}

public sealed class EarlierReleaseKeyTests(EarlierReleaseKeysApp app) : IClassFixture<EarlierReleaseKeysApp>
{
    [Fact]
    public async Task The_keys_an_earlier_release_left_are_recorded_once_and_the_retired_one_is_destroyed()
    {
        var anonymous = app.As(null);

        var keys = (await anonymous.GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;

        Assert.Equal([app.CurrentKeyId, app.RetiredKeyId], keys.Keys.Select(k => k.Kid));
        Assert.Equal(("current", 0L, (long?)null), (keys.Keys[0].Status, keys.Keys[0].NotBefore!.Value, keys.Keys[0].Expires));
        Assert.Equal(("retired", 0L), (keys.Keys[1].Status, keys.Keys[1].NotBefore!.Value));
        Assert.NotNull(keys.Keys[1].Expires);
        var folder = Path.Combine(app.DataFolder, "attestation-keys");
        Assert.False(File.Exists(Path.Combine(folder, app.RetiredKeyId + ".pem")));
        Assert.True(File.Exists(Path.Combine(folder, app.CurrentKeyId + ".pem")));

        var again = (await anonymous.GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;
        Assert.Equal(keys.Keys, again.Keys);
        var log = await app.As("admin-adam", Roles.Admin).GetAsync("/api/v1/security-log?limit=500").Expect(HttpStatusCode.OK);
        var recorded = log.GetProperty("events")
            .EnumerateArray()
            .Where(e => e.GetProperty("stream").GetString() == "security:attestation-keys")
            .ToArray();
        Assert.Equal(3, recorded.Length);
        Assert.All(recorded, e => Assert.Equal("system:ledger", e.GetProperty("actor").GetProperty("subjectId").GetString()));
    }
}
