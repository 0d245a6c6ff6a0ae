namespace Governance.Attestations;

/// <summary>
/// Whether a key may have signed a statement issued at a given time: the issue time (signed by the same key) must lie in
/// the key's window [<c>nbf</c>, <c>exp</c>) as the key set publishes it (<see cref="Jwk"/>). The window alone stops only
/// careless forgeries, since whoever holds a retired key can backdate; the ledger's record (online: the attestation digest;
/// offline: a signed status list) stops the rest.
/// </summary>
public static class KeyWindow
{
    /// <summary>How far in the future an issue time may lie, for clocks that disagree.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The refusal, or null when <paramref name="key"/> may have signed at <paramref name="issuedAt"/>. Codes:
    /// <c>statement_from_future</c> (issued more than <see cref="ClockSkew"/> after <paramref name="now"/>),
    /// <c>key_not_yet_valid</c>, <c>key_retired</c>, <c>key_compromised</c> (issued at or after the end of the window),
    /// <c>key_window_unknown</c> (a retired or compromised key whose key set gives no end, as an earlier release's did) and
    /// <c>key_status_unknown</c>.</summary>
    public static (string Code, string Message)? Check(Jwk key, DateTimeOffset issuedAt, DateTimeOffset now)
    {
        if (issuedAt > now + ClockSkew)
            return ("statement_from_future", $"The statement says it was issued at {issuedAt:u}, later than now ({now:u}).");
        if (key.Status is not ("current" or "retired" or "compromised"))
            return ("key_status_unknown", $"Key {key.Kid} has status '{key.Status}', which this verifier does not know.");
        if (key.NotBefore is { } nbf && issuedAt < DateTimeOffset.FromUnixTimeSeconds(nbf))
            return (
                "key_not_yet_valid",
                $"The statement says it was issued at {issuedAt:u}, before key {key.Kid} began signing "
                    + $"({DateTimeOffset.FromUnixTimeSeconds(nbf):u})."
            );
        if (key.Expires is not { } exp)
            return key.Status == "current"
                ? null
                : (
                    "key_window_unknown",
                    $"Key {key.Kid} is {key.Status} but the key set gives no end to its window (an earlier release's key set); "
                        + "fetch the ledger's current key set."
                );
        var end = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (issuedAt < end)
            return null;
        return key.Status == "compromised"
            ? ("key_compromised", $"Key {key.Kid} is compromised since {end:u}; the statement says it was issued at {issuedAt:u}.")
            : ("key_retired", $"Key {key.Kid} was retired at {end:u}; the statement says it was issued at {issuedAt:u}, after that.");
    }
}
