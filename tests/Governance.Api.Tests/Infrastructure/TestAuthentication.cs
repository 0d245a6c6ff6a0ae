using System.Security.Claims;
using System.Text.Encodings.Web;
using Governance.Api.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>Test-only scheme registered by the test host: the principal comes from X-Test-Subject / X-Test-Role
/// (/ X-Test-Scopes, X-Test-Client) headers.</summary>
public sealed class TestAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var subject = Request.Headers["X-Test-Subject"].ToString();
        if (subject.Length == 0)
            return Task.FromResult(AuthenticateResult.NoResult());
        var claims = new List<Claim> { new("sub", subject), new("name", $"{subject} (test)") };
        // A token's client: for a machine's client-credentials token the subject itself, as OpenIddict issues them.
        if (Request.Headers["X-Test-Client"].ToString() is { Length: > 0 } clientId)
            claims.Add(new Claim("client_id", clientId));
        claims.AddRange(
            Request
                .Headers["X-Test-Role"]
                .ToString()
                .Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => new Claim(ClaimTypes.Role, r))
        );
        // Test principals hold every API scope unless a test narrows them, as a token would.
        var scopes = Request.Headers.TryGetValue("X-Test-Scopes", out var narrowed)
            ? narrowed.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : [.. ApiScopes.All];
        claims.AddRange(scopes.Select(s => new Claim(OpenIddict.Abstractions.OpenIddictConstants.Claims.Private.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, "name", ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

/// <summary>Test-only, with <see cref="TestAuthentication"/>: the people tests make up for the web UI's desks are not in the
/// identity store, so their session is taken as valid (the product's check, UiSessions, is tested with real people).</summary>
public sealed class TestSessionGuard : Governance.Ui.Desks.ISessionGuard
{
    public Task<Governance.Ui.Desks.SessionVerdict> CheckAsync(
        ClaimsPrincipal person,
        Governance.Ui.Desks.SessionUse use,
        CancellationToken ct
    ) => Task.FromResult(Governance.Ui.Desks.SessionVerdict.Allowed(person));
}
