using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticAssets;

namespace Governance.Api.Hosting;

/// <summary>
/// The security headers of every answer (OWASP ASVS 4.0.3 V14.4, OWASP Secure Headers Project), set when the answer starts so
/// that answers the exception handler rewrites (it clears the headers) carry them too:
/// <list type="bullet">
/// <item><c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: no-referrer</c> on every answer;</item>
/// <item><c>Content-Security-Policy</c>: <see cref="PagePolicy"/> on HTML (the web UI, the sign-in and device pages, the API
/// reference), <see cref="ApiPolicy"/> on everything else;</item>
/// <item><c>Cache-Control: no-store</c> on every answer except static assets and answers that declare themselves
/// <c>public</c> (the attestation JWKS, <c>public, max-age=300</c>): API, token and sign-in answers carry tokens or personal
/// data;</item>
/// <item><c>Strict-Transport-Security: max-age=31536000</c> (RFC 6797) on HTTPS answers outside Development and Testing, except
/// to loopback host names (HSTS there would pin every local development server).</item>
/// </list>
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The environment the test hosts run in.</summary>
    public const string TestingEnvironment = "Testing";

    /// <summary>HSTS for one year (RFC 6797 section 6.1.1), the minimum the HSTS preload list and OWASP recommend.</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    /// <summary>No URL of this host (which can hold a model id or a device code) is sent to another site.</summary>
    public const string ReferrerPolicy = "no-referrer";

    /// <summary>The policy of non-HTML answers (JSON, PDF, text): they load nothing and are never framed.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The one inline script OpenIddict's <c>response_mode=form_post</c> page runs to post the authorization response back
    /// to the client (OpenIddict.Server.AspNetCore 7.8); the page policy allows exactly this script by its SHA-256.</summary>
    public const string FormPostScript = "document.form.submit();";

    /// <summary>
    /// True where the product runs on plain http://127.0.0.1 (Development, and Testing, the tests' environment): no HSTS, and
    /// cookies are Secure only when the request is (<see cref="CookieSecurePolicy.SameAsRequest"/>). Every other environment
    /// (Production, Staging) sends HSTS and marks cookies Secure always.
    /// </summary>
    public static bool PlainHttp(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment(TestingEnvironment);

    /// <summary>The <c>Secure</c> flag of every cookie the host sets: <see cref="CookieSecurePolicy.SameAsRequest"/> where
    /// <see cref="PlainHttp"/>, else <see cref="CookieSecurePolicy.Always"/> (a browser then sends them over HTTPS only).</summary>
    public static CookieSecurePolicy CookiePolicy(IHostEnvironment environment) =>
        PlainHttp(environment) ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>
    /// The Content-Security-Policy of HTML answers. Scripts from this host only: Blazor Server's <c>blazor.web.js</c> and
    /// MudBlazor's script need neither inline script nor <c>eval</c>; two inline scripts are allowed by name: OpenIddict's
    /// form_post script (<see cref="FormPostScript"/>, by hash) and the API reference's, by the per-request nonce
    /// <paramref name="nonce"/> Scalar generates. Styles from this host and inline (MudBlazor writes style attributes; the
    /// sign-in pages carry one style element); images and fonts from this host or <c>data:</c>; connections (Blazor's WebSocket,
    /// the API reference's document) to this host; no plugins; never framed; forms post only to this host or, for the
    /// authorization response, to the web UI's redirect URIs <paramref name="formTargets"/>.
    /// </summary>
    public static string PagePolicy(IEnumerable<Uri> formTargets, string? nonce = null)
    {
        var formPost = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(FormPostScript)));
        var origins = formTargets.Select(u => u.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.OrdinalIgnoreCase);
        return $"default-src 'self'; script-src 'self' 'sha256-{formPost}'{(nonce is null ? "" : $" 'nonce-{nonce}'")}; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            + $"base-uri 'self'; frame-ancestors 'none'; form-action 'self' {string.Join(' ', origins)}".TrimEnd();
    }

    /// <summary>Sets the headers above on every answer of <paramref name="app"/>; <paramref name="formTargets"/> are the web UI's
    /// redirect URIs (see <see cref="PagePolicy"/>).</summary>
    public static IApplicationBuilder UseSecurityHeaders(
        this IApplicationBuilder app,
        IHostEnvironment environment,
        IEnumerable<Uri> formTargets
    )
    {
        var targets = formTargets.ToArray();
        var pagePolicy = PagePolicy(targets);
        var hsts = !PlainHttp(environment);
        return app.Use(
            (http, next) =>
            {
                http.Response.OnStarting(() =>
                {
                    Apply(
                        http,
                        hsts,
                        http.Items[Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey] is string nonce
                            ? PagePolicy(targets, nonce)
                            : pagePolicy
                    );
                    return Task.CompletedTask;
                });
                return next(http);
            }
        );
    }

    private static void Apply(HttpContext http, bool hsts, string pagePolicy)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = ReferrerPolicy;
        var html = http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
        headers.ContentSecurityPolicy = html ? pagePolicy : ApiPolicy;
        var cacheControl = headers.CacheControl.ToString();
        var staticAsset = http.GetEndpoint()?.Metadata.GetMetadata<StaticAssetDescriptor>() is not null;
        if (!staticAsset && !cacheControl.Contains("public", StringComparison.OrdinalIgnoreCase))
            headers.CacheControl = "no-store";
        if (hsts && http.Request.IsHttps && !IsLoopback(http.Request.Host.Host))
            headers.StrictTransportSecurity = StrictTransportSecurity;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
