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
/// validation (the bearer token) is still asked: it opens the request's validation transaction there. Registered in place of
/// <see cref="AuthenticationSchemeProvider"/>.
/// </summary>
public sealed class ApiRequestSchemes(IOptions<AuthenticationOptions> options, IHttpContextAccessor http)
    : AuthenticationSchemeProvider(options)
{
    public override async Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync()
    {
        var schemes = await base.GetRequestHandlerSchemesAsync();
        return http.HttpContext?.Request.Path.StartsWithSegments("/api") == true
            ? schemes.Where(s =>
                s.HandlerType != typeof(OpenIddictServerAspNetCoreHandler) && s.HandlerType != typeof(OpenIddictClientAspNetCoreHandler)
            )
            : schemes;
    }
}
