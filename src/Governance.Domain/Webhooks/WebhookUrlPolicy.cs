using System.Net;

namespace Governance.Domain.Webhooks;

/// <summary>
/// Where webhooks may be sent (server-side request forgery, OWASP SSRF Prevention Cheat Sheet): HTTPS only, never to a
/// private, loopback, link-local, shared, documentation, multicast or reserved address (RFC 6890 special-purpose registries),
/// never with credentials in the URL; unless the host is on the operator's allow-list (e.g. <c>127.0.0.1</c> for tests, an
/// internal CI host), which may then use plain HTTP and any address. The same rule is applied again to the addresses a host
/// name resolves to when a delivery connects, so a public name that resolves to a private address is refused too.
/// </summary>
/// <param name="AllowedHosts">Hosts (names or IP literals, compared case-insensitively with the URL's host) exempt from the
/// rule.</param>
public sealed record WebhookUrlPolicy(IReadOnlyCollection<string> AllowedHosts)
{
    /// <summary>The longest URL accepted, in characters.</summary>
    public const int MaxLength = 2000;

    private static readonly IPNetwork[] NotPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", // "this network" (RFC 791)
            "10.0.0.0/8", // private (RFC 1918)
            "100.64.0.0/10", // shared address space, carrier-grade NAT (RFC 6598)
            "127.0.0.0/8", // loopback
            "169.254.0.0/16", // link-local, cloud metadata services (RFC 3927)
            "172.16.0.0/12", // private (RFC 1918)
            "192.0.0.0/24", // IETF protocol assignments (RFC 6890)
            "192.0.2.0/24", // documentation (RFC 5737)
            "192.88.99.0/24", // 6to4 relay anycast (RFC 7526)
            "192.168.0.0/16", // private (RFC 1918)
            "198.18.0.0/15", // benchmarking (RFC 2544)
            "198.51.100.0/24", // documentation (RFC 5737)
            "203.0.113.0/24", // documentation (RFC 5737)
            "224.0.0.0/4", // multicast
            "240.0.0.0/4", // reserved, and the limited broadcast address
            "::/128", // unspecified
            "::1/128", // loopback
            "64:ff9b::/96", // NAT64: embeds an IPv4 address (RFC 6052)
            "64:ff9b:1::/48", // local-use NAT64 (RFC 8215)
            "100::/64", // discard-only (RFC 6666)
            "2001::/23", // IETF protocol assignments, Teredo (RFC 2928, RFC 4380)
            "2001:db8::/32", // documentation (RFC 3849)
            "2002::/16", // 6to4: embeds an IPv4 address (RFC 3056)
            "fc00::/7", // unique local (RFC 4193)
            "fe80::/10", // link-local
            "ff00::/8", // multicast
        }.Select(IPNetwork.Parse),
    ];

    /// <summary>True for an address a webhook may reach without an allow-list entry: globally routable unicast. An IPv4-mapped
    /// IPv6 address is judged as its IPv4 address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return !NotPublic.Any(n => n.BaseAddress.AddressFamily == plain.AddressFamily && n.Contains(plain));
    }

    /// <summary>True when <paramref name="host"/> (a URL's host, brackets of an IPv6 literal removed) is on the allow-list.</summary>
    public bool IsAllowListed(string host) =>
        AllowedHosts.Any(h => string.Equals(h.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));

    /// <summary>What is wrong with <paramref name="url"/> as a webhook endpoint, or null when it is acceptable.</summary>
    public string? Problem(string url)
    {
        if (url.Length > MaxLength)
            return $"must be at most {MaxLength} characters";
        if (Governance.Attestations.TextRules.Problem(url, multiline: false) is { } text)
            return text;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return "must be an absolute https:// URL";
        if (uri.UserInfo.Length > 0)
            return "must not carry credentials (user:password@): the URL is recorded in the ledger; use the signing secret";
        if (uri.Fragment.Length > 0)
            return "must not have a #fragment, which is never sent";
        if (IsAllowListed(uri.IdnHost))
            return null;
        if (uri.Scheme != "https")
            return "must use https:// (plain http is allowed only to hosts on Governance:Webhooks:AllowedHosts)";
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && !IsPublic(IPAddress.Parse(uri.IdnHost.Trim('[', ']'))))
            return "must not point to a private, loopback, link-local or reserved address "
                + "(unless its host is on Governance:Webhooks:AllowedHosts)";
        if (
            uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        )
            return "must not point to this machine (localhost) (unless its host is on Governance:Webhooks:AllowedHosts)";
        return null;
    }
}
