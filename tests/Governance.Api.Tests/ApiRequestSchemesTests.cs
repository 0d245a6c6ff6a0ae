using Governance.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Client.AspNetCore;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;

namespace Governance.Api.Tests;

/// <summary>
/// OpenIddict's server and client are asked whether a request is one of their endpoints for every request but the API's, which
/// is never theirs; the bearer-token validation is asked for every request (it opens its transaction there).
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class ApiRequestSchemesTests(LedgerApp app)
{
    [Theory]
    [InlineData("/api/v1/approvals/check", false)]
    [InlineData("/api", false)]
    [InlineData("/API/v1/me", false)]
    [InlineData("/connect/token", true)]
    [InlineData("/signin-oidc", true)]
    [InlineData("/apidocs", true)]
    public async Task Only_requests_outside_the_api_are_offered_to_openiddicts_server_and_client(string path, bool offered)
    {
        using var scope = app.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Path = path;
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext = context;

        var schemes = (await scope.ServiceProvider.GetRequiredService<IAuthenticationSchemeProvider>().GetRequestHandlerSchemesAsync())
            .Select(s => s.Name)
            .ToArray();

        Assert.Contains(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, schemes);
        Assert.Equal(offered, schemes.Contains(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme));
        Assert.Equal(offered, schemes.Contains(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme));
    }
}
