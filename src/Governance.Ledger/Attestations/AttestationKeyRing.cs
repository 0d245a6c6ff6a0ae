using Governance.Attestations;
using Governance.Domain.AttestationKeys;
using Governance.Domain.Shared;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.Extensions.Logging;

namespace Governance.Ledger.Attestations;

/// <summary>The attestation keys' record, inline, for deciding key commands and publishing the key set.</summary>
public sealed class AttestationKeyProjection : SingleStreamProjection<AttestationKeySet, string>
{
    public AttestationKeyProjection()
    {
        IncludeType<AttestationKeyActivated>();
        IncludeType<AttestationKeyRetired>();
        IncludeType<AttestationKeyCompromised>();
    }

    public override AttestationKeySet? Evolve(AttestationKeySet? snapshot, string id, IEvent e) =>
        AttestationKeySet.Evolve(snapshot, e.Data);
}

/// <summary>
/// The keys that sign attestations and status lists: which one is current and each key's window are ledger events in the
/// security log (<see cref="AttestationKeyLog"/>); the private parts are in a key store (<see cref="IAttestationKeyStore"/>)
/// and are destroyed when their key retires. The first use records the keys an earlier release left in its folder, or
/// makes the first key.
/// </summary>
public sealed class AttestationKeyRing(
    IDocumentStore store,
    LedgerWriter writer,
    IAttestationKeyStore keyStore,
    ILogger<AttestationKeyRing> log
)
{
    public static readonly IReadOnlyList<string> AdministerRoles = [Roles.Admin];

    /// <summary>The ledger acting on its own, as recorded on the key events it writes unasked.</summary>
    public static readonly Caller LedgerItself = new("system:ledger", [Roles.System]);

    /// <summary>The recorded keys, recording the first ones if there are none yet.</summary>
    public async Task<AttestationKeySet> ReadAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct) is { Current: not null } keys)
            return keys;
        await RecordFirstKeysAsync(ct);
        return await LoadAsync(ct);
    }

    /// <summary>The current key's signer (dispose it after signing).</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key store does not hold the current key (another
    /// node's folder; a token that was reset).</exception>
    public async Task<IAttestationSigner> CurrentSignerAsync(CancellationToken ct) => keyStore.Open((await ReadAsync(ct)).Current!.KeyId);

    /// <summary>The public keys with their status and window, current first then newest first, as a JWKS.</summary>
    public async Task<JwkSet> PublicKeysAsync(CancellationToken ct) => ToJwks(await ReadAsync(ct));

    /// <summary>Starts signing with a new key; the current one retires now and its private part is destroyed.</summary>
    /// <returns>The key set after the rotation.</returns>
    /// <exception cref="GovernanceRuleException">Forbidden without the Admin role; a missing reason.</exception>
    public async Task<Written<JwkSet>> RotateAsync(string? reason, CommandCall call, CancellationToken ct)
    {
        await ReadAsync(ct);
        return await DecideWithNewKeyAsync(
            call,
            AdministerRoles,
            needsKey: _ => true,
            (key, keys, context) => AttestationKeyDecisions.Decide(new RotateAttestationKey(key!, reason), keys, context),
            ct
        );
    }

    /// <summary>
    /// Records that a key was compromised from <paramref name="compromisedAt"/>: statements it issued from then on are
    /// refused. If it is the current key a new one replaces it at once. Its private part, if still held, is destroyed.
    /// Re-attesting the approvals it signed is the caller's next step (<see cref="SignedApprovals.ReportCompromiseAsync"/>).
    /// </summary>
    /// <exception cref="GovernanceRuleException">Forbidden without the Admin role; invalid input; an unknown or already
    /// compromised key.</exception>
    public async Task<Written<JwkSet>> ReportCompromiseAsync(
        string? keyId,
        DateTimeOffset? compromisedAt,
        string? reason,
        CommandCall call,
        CancellationToken ct
    )
    {
        await ReadAsync(ct);
        return await DecideWithNewKeyAsync(
            call,
            AdministerRoles,
            needsKey: keys => keys.Current?.KeyId == keyId,
            (replacement, keys, context) =>
                AttestationKeyDecisions.Decide(
                    new ReportAttestationKeyCompromise(keyId, compromisedAt, reason, replacement),
                    keys,
                    context
                ),
            ct
        );
    }

    /// <summary>The JWKS of a key set: current first, then newest first.</summary>
    public static JwkSet ToJwks(AttestationKeySet keys) =>
        new(
            keys.Keys.OrderBy(k => k.RetiredAt is null ? 0 : 1)
                .ThenByDescending(k => k.NotBefore)
                .Select(k => Jwks.FromSubjectPublicKeyInfo(k.PublicKey, k.Status, k.NotBefore, k.ValidUntil))
                .ToArray()
        );

    /// <summary>
    /// Decides a key command that may need a new key pair: the pair is made in the store first (a key cannot be recorded
    /// before it exists) and destroyed again if nothing is recorded; after a recorded decision every retired key's private
    /// part is destroyed.
    /// </summary>
    /// <param name="decide">The domain decision, given the new key (null unless <paramref name="needsKey"/>), the state and the
    /// context.</param>
    private async Task<Written<JwkSet>> DecideWithNewKeyAsync(
        CommandCall call,
        IReadOnlyList<string> roles,
        Func<AttestationKeySet, bool> needsKey,
        Func<NewAttestationKey?, AttestationKeySet, CommandContext, IReadOnlyList<object>> decide,
        CancellationToken ct
    )
    {
        NewAttestationKey? created = null;
        try
        {
            await using var write = await writer.BeginAsync<AttestationKeySet>(
                AttestationKeyLog.StreamKey,
                AttestationKeySet.Evolve,
                call,
                roles,
                ct
            );
            if (write.IsReplay)
                return write.Replay<JwkSet>();
            var before = write.Before ?? AttestationKeySet.Empty;
            if (needsKey(before))
                created = keyStore.Generate();
            write.Append(decide(created, before, write.Context));
            var written = await write.CommitAsync(ToJwks(write.After!), ct);
            created = null;
            DestroyRetired(write.After!);
            return written;
        }
        finally
        {
            if (created is not null)
                keyStore.Destroy(created.KeyId);
        }
    }

    /// <summary>No key recorded yet: record those an earlier release left, or make the first one. A concurrent first use
    /// loses on the stream's start and reads the winner's key.</summary>
    private async Task RecordFirstKeysAsync(CancellationToken ct)
    {
        var call = new CommandCall(LedgerItself, "attestation-keys-" + Guid.CreateVersion7());
        try
        {
            if (keyStore.FindEarlierReleaseKeys() is { } earlier)
            {
                log.LogWarning(
                    "Recording the attestation keys of an earlier release: {Current} current, {Retired} retired (windows estimated)",
                    earlier.Current.KeyId,
                    earlier.Retired.Count
                );
                await DecideWithNewKeyAsync(
                    call,
                    [Roles.System],
                    needsKey: _ => false,
                    (_, keys, context) =>
                        AttestationKeyDecisions.Decide(
                            new RecordEarlierReleaseKeys(earlier.Current, earlier.Retired, earlier.CurrentSince),
                            keys,
                            context
                        ),
                    ct
                );
            }
            else
                await DecideWithNewKeyAsync(
                    call,
                    [Roles.System],
                    needsKey: _ => true,
                    (key, keys, context) =>
                        AttestationKeyDecisions.Decide(
                            new RotateAttestationKey(key!, "First attestation key of this ledger"),
                            keys,
                            context
                        ),
                    ct
                );
        }
        catch (GovernanceRuleException e) when (e.Code is "concurrency.stale_version" or "attestation_key.already_recorded") { }
    }

    private void DestroyRetired(AttestationKeySet keys)
    {
        foreach (var keyId in keyStore.KeyIds())
            if (keys.Find(keyId) is { RetiredAt: not null } or { CompromisedAt: not null })
            {
                keyStore.Destroy(keyId);
                log.LogInformation("Destroyed the private part of retired attestation key {KeyId}", keyId);
            }
    }

    private async Task<AttestationKeySet> LoadAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<AttestationKeySet>(AttestationKeyLog.StreamKey, ct) ?? AttestationKeySet.Empty;
    }
}
