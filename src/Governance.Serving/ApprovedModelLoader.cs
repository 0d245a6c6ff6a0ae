using System.Collections.Concurrent;
using System.Security.Cryptography;
using Governance.Attestations;
using Microsoft.Extensions.Logging;

namespace Governance.Serving;

/// <summary>The model a server means to serve; an attestation for any other model or version is refused.</summary>
public sealed record IntendedModel(string Model, string Version);

/// <summary>A load refused for one specific, machine-readable reason.</summary>
public sealed class ModelLoadRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>An artifact that passed every check (its approval's standing asked of the ledger), with what the attestation
/// says about it, the digest of the envelope that said it and its predicate type.</summary>
public sealed record VerifiedArtifact(
    string ArtifactDigest,
    long SizeBytes,
    ModelApprovalPredicate Approval,
    string KeyId,
    string EnvelopeDigest,
    string? PredicateType = null
);

/// <summary>
/// Loads a model only when a signed approval says: this exact artifact (by SHA-256) was approved for this environment,
/// by these people, until this time, and it has not been revoked since. Every refusal has its own reason code, is
/// logged, and is reported to the ledger where the model and version are known; a successful load is reported too. Each
/// is reported once: a refusal repeating the last one is not sent again (see <see cref="LedgerReports"/>).
/// </summary>
public sealed partial class ApprovedModelLoader(
    ServingOptions options,
    ILedgerClient ledger,
    TimeProvider clock,
    ILogger<ApprovedModelLoader> log
)
{
    private readonly ConcurrentDictionary<string, (ApprovalStatusAnswer Standing, DateTimeOffset FetchedAt)> _standings = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _servingThroughOutage = new();
    private (JwkSet Keys, DateTimeOffset FetchedAt)? _keys;
    private readonly LedgerReports _reports = new(ledger, log);

    /// <summary>
    /// Verifies and loads: the artifact is read once (into memory up to MaxInMemoryArtifactBytes), hashed, verified,
    /// and <paramref name="load"/> gets exactly the bytes that were hashed.
    /// </summary>
    public async Task<(T Model, VerifiedArtifact Artifact)> LoadAsync<T>(
        string artifactPath,
        byte[] envelope,
        IntendedModel intended,
        Func<Stream, T> load,
        CancellationToken ct = default
    )
    {
        await using var file = OpenArtifact(artifactPath, intended);
        if (file.Length <= options.MaxInMemoryArtifactBytes)
        {
            var bytes = new byte[file.Length];
            await file.ReadExactlyAsync(bytes, ct);
            var verified = await VerifyAsync(
                "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)),
                bytes.LongLength,
                envelope,
                intended,
                ct
            );
            return (load(new MemoryStream(bytes, writable: false)), verified);
        }

        // Too large to hold: hash the open handle, then load from the same handle.
        var (digest, size) = await ArtifactHash.OfStreamAsync(file, ct: ct);
        var large = await VerifyAsync(digest, size, envelope, intended, ct);
        file.Position = 0;
        return (load(file), large);
    }

    /// <summary>Verifies an artifact on disk by streaming its SHA-256 (for artifacts another process loads).</summary>
    public async Task<VerifiedArtifact> VerifyFileAsync(
        string artifactPath,
        byte[] envelope,
        IntendedModel intended,
        CancellationToken ct = default
    )
    {
        await using var file = OpenArtifact(artifactPath, intended);
        var (digest, size) = await ArtifactHash.OfStreamAsync(file, ct: ct);
        return await VerifyAsync(digest, size, envelope, intended, ct);
    }

    private FileStream OpenArtifact(string path, IntendedModel intended)
    {
        try
        {
            return new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                ArtifactHash.BufferSize,
                FileOptions.SequentialScan | FileOptions.Asynchronous
            );
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RefuseUnreported(intended, "artifact_unreadable", $"The artifact {path} cannot be read: {e.Message}");
        }
    }

    private async Task<VerifiedArtifact> VerifyAsync(
        string digest,
        long size,
        byte[] envelope,
        IntendedModel intended,
        CancellationToken ct
    )
    {
        var now = clock.GetUtcNow();
        var verification = AttestationVerifier.Verify(
            envelope,
            new Expectation(digest, options.Environment, intended.Model, intended.Version),
            await TrustedKeys(intended, digest, ct),
            now
        );
        if (!verification.Verified)
            throw await Refuse(intended, digest, null, verification.Code, verification.Message, ct);
        var approval = verification.Approval!;
        if (DecisionPolicyProblem(verification) is var (policyCode, policyMessage))
            throw await Refuse(intended, digest, approval.ApprovalId, policyCode, policyMessage, ct);

        await CheckStandingAsync(
            await Standing(approval.ApprovalId, intended, digest, staleIfError: false, ct),
            approval,
            digest,
            verification.EnvelopeDigest!,
            intended,
            ct
        );

        log.LogInformation(
            "Verified {Model} {Version} ({Digest}) for {Environment}: {Message}",
            intended.Model,
            intended.Version,
            digest,
            options.Environment,
            verification.Message
        );
        await Report(
            new LoadOutcome(
                intended.Model,
                intended.Version,
                new ModelLoadReport(options.Environment, options.Host, digest, true, approval.ApprovalId, null, verification.Message)
            ),
            ct
        );
        return new VerifiedArtifact(digest, size, approval, verification.KeyId!, verification.EnvelopeDigest!, verification.PredicateType);
    }

    /// <summary>
    /// The server's decision policy against the signed one: with <see cref="ServingOptions.EnforceDecisionPolicy"/> the
    /// statement must be of predicate version 3 and sign a policy (<c>predicate_version_unsupported</c>,
    /// <c>decision_policy_missing</c>); with <see cref="ServingOptions.DecisionThresholds"/> the signed thresholds must be
    /// exactly those (<c>decision_threshold_mismatch</c>): changing a threshold needs a new approval.
    /// </summary>
    private (string Code, string Message)? DecisionPolicyProblem(Verification verification)
    {
        var signed = verification.Approval!.DecisionPolicy;
        var enforce = options.EnforceDecisionPolicy || options.DecisionThresholds is not null;
        if (enforce && verification.PredicateType != ModelApprovalPredicate.Type)
            return (
                "predicate_version_unsupported",
                $"This server enforces a decision policy, and the attestation is of predicate type '{verification.PredicateType}', "
                    + $"which signs none; an approval granted by this release ({ModelApprovalPredicate.Type}) is needed."
            );
        if (enforce && signed?.Thresholds is not { Count: > 0 })
            return ("decision_policy_missing", "This server enforces a decision policy, and the approval signs none.");
        if (options.DecisionThresholds is { } configured && !configured.SequenceEqual(signed!.Thresholds))
            return (
                "decision_threshold_mismatch",
                $"This server is configured with threshold(s) {string.Join(", ", configured)}, but the approval signs "
                    + $"{string.Join(", ", signed.Thresholds)}: changing the threshold needs a new approval."
            );
        return null;
    }

    /// <summary>
    /// Re-checks a model that is serving, without reading or reloading it: its approval must not have expired, been
    /// revoked or changed. Through a ledger outage the last answer keeps the model serving for at most <see
    /// cref="ServingOptions.OutageGrace"/> after it expired, then the check refuses (<c>ledger_unreachable</c>); each
    /// transition is logged. A passing check adds no fact to the version: it updates this host's last-verified record in
    /// the ledger (not sent while serving on the outage grace; a failure to send is logged). A refusal is reported. An
    /// approval suspended by a monitoring breach keeps the model serving until the drain period the ledger states, and
    /// stops it at the first check after (<c>approval_suspended</c>), also on a cached answer during an outage.
    /// </summary>
    /// <exception cref="ModelLoadRefusedException">Stop serving, for the reason in its code.</exception>
    public async Task ReverifyAsync(VerifiedArtifact served, IntendedModel intended, CancellationToken ct = default)
    {
        var approvalId = served.Approval.ApprovalId;
        if (served.Approval.ExpiresAt <= clock.GetUtcNow())
            throw await Refuse(
                intended,
                served.ArtifactDigest,
                approvalId,
                "approval_expired",
                $"The approval expired on {served.Approval.ExpiresAt:u}.",
                ct
            );
        await CheckStandingAsync(
            await Standing(approvalId, intended, served.ArtifactDigest, staleIfError: true, ct),
            served.Approval,
            served.ArtifactDigest,
            served.EnvelopeDigest,
            intended,
            ct,
            servingAt: clock.GetUtcNow()
        );
        if (!_servingThroughOutage.ContainsKey(approvalId))
            await _reports.VerifiedAsync(
                new VerificationOutcome(
                    intended.Model,
                    intended.Version,
                    new VerificationReport(options.Environment, options.Host, served.ArtifactDigest, approvalId)
                ),
                ct
            );
    }

    /// <summary>Refuses unless the ledger knows the approval, holds it granted and unrevoked, and records it for exactly what
    /// was verified (<see cref="ApprovalStanding"/>). A model already serving (<paramref name="servingAt"/>) may finish the
    /// drain period of an approval suspended by a monitoring breach; whatever the outage grace, it stops once that is over.</summary>
    private async Task CheckStandingAsync(
        ApprovalStatusAnswer? standing,
        ModelApprovalPredicate approval,
        string digest,
        string envelopeDigest,
        IntendedModel intended,
        CancellationToken ct,
        DateTimeOffset? servingAt = null
    )
    {
        if (ApprovalStanding.Problem(standing, approval, digest, envelopeDigest, servingAt) is var (code, message))
            throw await Refuse(intended, digest, approval.ApprovalId, code, message, ct);
    }

    private async Task<JwkSet> TrustedKeys(IntendedModel intended, string digest, CancellationToken ct)
    {
        if (options.PinnedKeys is not null)
            return options.PinnedKeys;
        if (_keys is { } cached && clock.GetUtcNow() - cached.FetchedAt < options.KeyCacheDuration)
            return cached.Keys;
        try
        {
            var keys = await ledger.GetAttestationKeysAsync(ct);
            _keys = (keys, clock.GetUtcNow());
            return keys;
        }
        catch (LedgerUnreachableException e) when (_keys is { } stale)
        {
            // Keys only grow (retired keys stay published), so a stale set can still verify what it verified before.
            log.LogWarning("Using cached attestation keys: {Reason}", e.Message);
            return stale.Keys;
        }
        catch (LedgerUnreachableException e)
        {
            throw await Refuse(
                intended,
                digest,
                null,
                "ledger_unreachable",
                $"No pinned keys and the ledger's keys could not be fetched: {e.Message}",
                ct
            );
        }
    }

    /// <summary>
    /// The approval's standing (null when the ledger does not know it): from cache while younger than <see
    /// cref="ServingOptions.RevocationCacheDuration"/>, else asked online. When the ledger is unreachable, <paramref
    /// name="staleIfError"/> (a model already serving) allows the last answer for <see cref="ServingOptions.OutageGrace"/>
    /// more; otherwise, or after that, the load is refused with <c>ledger_unreachable</c>.
    /// </summary>
    private async Task<ApprovalStatusAnswer?> Standing(
        string approvalId,
        IntendedModel intended,
        string digest,
        bool staleIfError,
        CancellationToken ct
    )
    {
        var now = clock.GetUtcNow();
        var known = _standings.TryGetValue(approvalId, out var cached);
        if (known && now - cached.FetchedAt < options.RevocationCacheDuration)
            return cached.Standing;
        try
        {
            var standing = await ledger.GetApprovalStandingAsync(approvalId, ct);
            if (standing is not null)
                _standings[approvalId] = (standing, now);
            if (_servingThroughOutage.TryRemove(approvalId, out var since))
                log.LogInformation("The ledger answers again about approval {ApprovalId} (unreachable since {Since:u})", approvalId, since);
            return standing;
        }
        catch (LedgerUnreachableException e)
        {
            var until = cached.FetchedAt + options.RevocationCacheDuration + options.OutageGrace;
            if (staleIfError && known && now < until)
            {
                if (_servingThroughOutage.TryAdd(approvalId, now))
                    log.LogWarning(
                        "The ledger is unreachable ({Reason}): serving on approval {ApprovalId}'s answer from {FetchedAt:u} "
                            + "until {Until:u}",
                        e.Message,
                        approvalId,
                        cached.FetchedAt,
                        until
                    );
                return cached.Standing;
            }
            _servingThroughOutage.TryRemove(approvalId, out _);
            throw await Refuse(
                intended,
                digest,
                approvalId,
                "ledger_unreachable",
                staleIfError && known
                    ? $"The ledger has been unreachable past the outage grace ({options.OutageGrace}) since its last answer at "
                        + $"{cached.FetchedAt:u}: {e.Message}"
                    : $"Revocation could not be checked and no answer younger than {options.RevocationCacheDuration} is cached: "
                        + e.Message,
                ct
            );
        }
    }

    private async Task<ModelLoadRefusedException> Refuse(
        IntendedModel intended,
        string digest,
        string? approvalId,
        string code,
        string message,
        CancellationToken ct
    )
    {
        log.LogError(
            "Refused to load {Model} {Version} ({Digest}) for {Environment}: {Code}: {Message}",
            intended.Model,
            intended.Version,
            digest,
            options.Environment,
            code,
            message
        );
        await Report(
            new LoadOutcome(
                intended.Model,
                intended.Version,
                new ModelLoadReport(options.Environment, options.Host, digest, false, approvalId, code, message)
            ),
            ct
        );
        return new ModelLoadRefusedException(code, message);
    }

    private ModelLoadRefusedException RefuseUnreported(IntendedModel intended, string code, string message)
    {
        log.LogError(
            "Refused to load {Model} {Version} for {Environment}: {Code}: {Message}",
            intended.Model,
            intended.Version,
            options.Environment,
            code,
            message
        );
        return new ModelLoadRefusedException(code, message);
    }

    /// <summary>Best effort: an unreachable ledger must not turn a refusal into a crash, nor block a verified load.</summary>
    private Task Report(LoadOutcome outcome, CancellationToken ct) => _reports.OutcomeAsync(outcome, ct);
}
