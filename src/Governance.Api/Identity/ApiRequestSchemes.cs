using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;
using OpenIddict.Server.AspNetCore;

namespace Governance.Api.Identity;

/// <summary>
/// The authentication schemes, with one difference for API requests (<c>/api/...</c>): OpenIddict's server and client are not
/// asked about them. ASP.NET Core's authentication middleware asks every request-handling scheme, on every request, whether the
/// request is one of its endpoints; the server's are under <c>/connect/</c> and the UI client's is <c>/signin-oidc</c>, and
/// asking them cost about an eighth of an approval check's CPU (docs/performance.md). An API request is never theirs. OpenIddict
/// validation (the bearer token) is still asked: it opens the request's validation transaction there. Replaces the
/// <see cref="AuthenticationSchemeProvider"/> registration.
/// </summary>
public sealed class ApiRequestSchemes(IOptions<AuthenticationOptions> options, IHttpContextAccessor http)
    : AuthenticationSchemeProvider(options)
{
    // The schemes an API request is offered, filtered once per set of schemes (the base provider returns the same array
    // until a scheme is added or removed).
    private (IEnumerable<AuthenticationScheme> All, AuthenticationScheme[] Api)? _filtered;

    public override async Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync()
    {
        var schemes = await base.GetRequestHandlerSchemesAsync();
        if (http.HttpContext?.Request.Path.StartsWithSegments("/api") != true)
            return schemes;
        if (_filtered is { } filtered && ReferenceEquals(filtered.All, schemes))
            return filtered.Api;
        var api = schemes
            .Where(s =>
                s.HandlerType != typeof(OpenIddictServerAspNetCoreHandler) && s.HandlerType != typeof(OpenIddictClientAspNetCoreHandler)
            )
            .ToArray();
        _filtered = (schemes, api);
        return api;
    }
}
