using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

/// <summary>
/// Rate limits of the requests that present credentials (a POST to <see cref="Paths"/>: the token, device authorization and
/// device verification endpoints and the sign-in form), each a fixed one-minute window of ASP.NET Core's rate limiter,
/// chained so that a request must pass every limit that applies to it (OWASP ASVS 4.0.3 V2.2.1):
/// <list type="bullet">
/// <item>per client address (<see cref="AddressKey"/>), Governance:RateLimits:CredentialsPerMinute, default 60;</item>
/// <item>per client id, for requests that authenticate a client with a secret (client_secret_post or client_secret_basic,
/// RFC 6749 section 2.3.1), Governance:RateLimits:CredentialsPerClientPerMinute, default 120. The public clients (the web UI,
/// the command line tool) have no secret to guess and are shared by everyone, so their requests count per address only;</item>
/// <item>per account, for sign-ins (the user name as Identity normalizes it), Governance:RateLimits:CredentialsPerAccountPerMinute,
/// default 120.</item>
/// </list>
/// The per-client and per-account limits are above the per-address one, so that no single address can use up the allowance of a
/// client or a person; they cap what a distributed attack can try against one of them. A refused request is answered 429 and
/// does nothing. The client address is the connection's, or the one a configured proxy forwarded (see GovernanceHost).
/// </summary>
public static class CredentialLimits
{
    /// <summary>The endpoints whose POSTs are limited.</summary>
    public static readonly IReadOnlyList<string> Paths = ["/connect/token", "/connect/device", "/connect/verify", SignInEndpoints.Path];

    /// <summary>The chained limiter of the three limits above, read from <paramref name="configuration"/>.</summary>
    public static PartitionedRateLimiter<HttpContext> Create(IConfiguration configuration) =>
        PartitionedRateLimiter.CreateChained(
            PerMinute(
                configuration.GetValue("Governance:RateLimits:CredentialsPerMinute", 60),
                http => AddressKey(http.Connection.RemoteIpAddress)
            ),
            PerMinute(configuration.GetValue("Governance:RateLimits:CredentialsPerClientPerMinute", 120), AuthenticatingClient),
            PerMinute(configuration.GetValue("Governance:RateLimits:CredentialsPerAccountPerMinute", 120), Account)
        );

    /// <summary>
    /// The key of a client address: an IPv4 address as such (an IPv4-mapped IPv6 address as its IPv4 address), an IPv6 address by
    /// its /64 network (one subscriber's allocation, RFC 6177, so that one party cannot take a fresh address per request), and
    /// <c>unknown</c> when the server knows none.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    private static PartitionedRateLimiter<HttpContext> PerMinute(int permits, Func<HttpContext, string?> key) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http =>
            HttpMethods.IsPost(http.Request.Method)
            && Paths.Any(p => http.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase))
            && key(http) is { } partition
                ? RateLimitPartition.GetFixedWindowLimiter(
                    partition,
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = permits,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }
                )
                : RateLimitPartition.GetNoLimiter("")
        );

    /// <summary>The posted form, once read (the form guards read it before the limiter runs); never read here.</summary>
    private static IFormCollection? Form(HttpContext http) => http.Features.Get<IFormFeature>()?.Form;

    /// <summary>The client id of a request that authenticates a client with a secret, from HTTP Basic (RFC 6749 section 2.3.1:
    /// form-encoded id and secret) or the form; null for public clients and requests without one.</summary>
    private static string? AuthenticatingClient(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new byte[authorization.Length];
            if (!Convert.TryFromBase64String(authorization["Basic ".Length..].Trim(), decoded, out var length))
                return null;
            var pair = Encoding.UTF8.GetString(decoded, 0, length);
            return pair.IndexOf(':') is > 0 and var colon ? WebUtility.UrlDecode(pair[..colon]) : null;
        }
        var form = Form(http);
        return form is not null && !string.IsNullOrEmpty(form[Parameters.ClientSecret]) && form[Parameters.ClientId] is [{ Length: > 0 } id]
            ? id
            : null;
    }

    /// <summary>The account a sign-in names: its user name as Identity normalizes it, so "Olivia" and "olivia " count together.</summary>
    private static string? Account(HttpContext http) =>
        Form(http)?["userName"] is [{ } userName] && userName.Trim().Length > 0
            ? http.RequestServices.GetRequiredService<ILookupNormalizer>().NormalizeName(userName.Trim())
            : null;
}
