using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Governance.Attestations;

/// <summary>
/// An EC P-256 public key as a JWK (RFC 7517/7518) with the key's validity window, in members this product defines
/// (docs/attestations.md, "Key set"): <c>status</c> is <c>current</c> (signs new statements), <c>retired</c> or
/// <c>compromised</c>; <c>nbf</c> and <c>exp</c> are NumericDates (RFC 7519 §2, seconds since the Unix epoch) bounding the
/// issue times of the statements the key may have signed, <c>exp</c> exclusive and absent while the key is current (both
/// rounded outward to whole seconds, so a statement issued in the second its key retired still verifies). A
/// key set without them (an earlier release's) gives no window: see <see cref="KeyWindow"/>.
/// </summary>
public sealed record Jwk(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("nbf"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? NotBefore = null,
    [property: JsonPropertyName("exp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Expires = null
);

public sealed record JwkSet([property: JsonPropertyName("keys")] IReadOnlyList<Jwk> Keys);

public static class Jwks
{
    /// <summary>The JWK of an EC P-256 key's public part, with the given status and window (rounded outward to whole seconds).</summary>
    public static Jwk FromKey(ECDsa key, string status, DateTimeOffset? notBefore = null, DateTimeOffset? expires = null)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var x = Base64Url(p.Q.X!);
        var y = Base64Url(p.Q.Y!);
        return new Jwk(
            "EC",
            "P-256",
            x,
            y,
            Thumbprint(x, y),
            "sig",
            SigningAlgorithms.ES256,
            status,
            notBefore?.ToUnixTimeSeconds(),
            expires is { } end ? (end.ToUnixTimeMilliseconds() + 999) / 1000 : null
        );
    }

    /// <summary>The JWK of a public key given as base64 DER SubjectPublicKeyInfo (RFC 5280), as the ledger records keys.</summary>
    /// <exception cref="CryptographicException">Not an EC P-256 public key.</exception>
    public static Jwk FromSubjectPublicKeyInfo(string spki, string status, DateTimeOffset? notBefore, DateTimeOffset? expires)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(spki), out _);
        if (key.KeySize != 256)
            throw new CryptographicException("The public key is not on P-256.");
        return FromKey(key, status, notBefore, expires);
    }

    /// <summary>The key id of an EC P-256 key: its RFC 7638 thumbprint.</summary>
    public static string KeyIdOf(ECDsa key) => FromKey(key, "current").Kid;

    /// <summary>The key id: the RFC 7638 JWK thumbprint, so anyone can recompute it from the public key.</summary>
    public static string Thumbprint(string x, string y) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""")));

    /// <summary>The key id of an Ed25519 public key (32 bytes): its RFC 7638 thumbprint, whose input holds crv, kty and x in
    /// that order (RFC 8037 §2).</summary>
    public static string Ed25519Thumbprint(byte[] publicKey) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"Ed25519","kty":"OKP","x":"{{Base64Url(publicKey)}}"}""")));

    public static ECDsa ToKey(Jwk jwk)
    {
        if (jwk.Kty != "EC" || jwk.Crv != "P-256")
            throw new CryptographicException($"Key {jwk.Kid} is not an EC P-256 key.");
        return ECDsa.Create(
            new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = FromBase64Url(jwk.X), Y = FromBase64Url(jwk.Y) },
            }
        );
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
