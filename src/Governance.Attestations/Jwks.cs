using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Governance.Attestations;

/// <summary>An EC P-256 public key as a JWK (RFC 7517/7518), with our status member: "current" signs new attestations, "retired" only
/// verifies old ones.</summary>
public sealed record Jwk(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("status")] string Status
);

public sealed record JwkSet([property: JsonPropertyName("keys")] IReadOnlyList<Jwk> Keys);

public static class Jwks
{
    public static Jwk FromKey(ECDsa key, string status)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var x = Base64Url(p.Q.X!);
        var y = Base64Url(p.Q.Y!);
        return new Jwk("EC", "P-256", x, y, Thumbprint(x, y), "sig", "ES256", status);
    }

    /// <summary>The key id: the RFC 7638 JWK thumbprint, so anyone can recompute it from the public key.</summary>
    public static string Thumbprint(string x, string y) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""")));

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
