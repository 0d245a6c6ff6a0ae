using System.Collections.Immutable;
using System.Security.Claims;
using Governance.Api.Hosting;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to us: authorization (code + PKCE, for the web UI), token
/// (client credentials for machines; code, device code and refresh for people) and end-user verification (device flow).
/// </summary>
public static class ConnectEndpoints
{
    public static IEndpointRouteBuilder MapConnect(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], Authorize).AllowAnonymous().ExcludeFromDescription();
        // Rate-limited per address and per authenticating client (CredentialLimits), as /connect/device is.
        app.MapPost("/connect/token", Token).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet("/connect/verify", VerifyForm).AllowAnonymous().ExcludeFromDescription();
        // The device flow's confirmation acts with the sign-in cookie: a cross-site post must not hand a device the person's tokens.
        app.MapPost("/connect/verify", Verify).AllowAnonymous().RequireAntiforgeryToken().ExcludeFromDescription();
        app.MapGet(
                "/connect/verify/done",
                () =>
                    Pages.Render(
                        "Device signed in",
                        """<h1>Done</h1>"""
                            + """<p class="ok" role="status">The command line tool is now signed in as you. You can close this page.</p>"""
                    )
            )
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Authorize(HttpContext http, UserManager<GovernanceUser> users)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var signedIn = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = signedIn.Succeeded ? await users.GetUserAsync(signedIn.Principal) : null;
        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            var parameters = http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList();
            parameters.RemoveAll(p => p.Key == Parameters.Prompt);
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]
            );
        }

        // First-party clients only (the web UI, the CLI): consent is implied by the bank's own registration of the client.
        var identity = await PersonIdentity(user, users, request.GetScopes());
        return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Token(
        HttpContext http,
        UserManager<GovernanceUser> users,
        SignInManager<GovernanceUser> signIn,
        IOpenIddictApplicationManager applications,
        SecurityLogWriter log
    )
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the client and checked the requested scopes against its permissions.
            var application =
                await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
                ?? throw new InvalidOperationException("The authenticated client no longer exists.");
            var name = await applications.GetDisplayNameAsync(application, http.RequestAborted) ?? request.ClientId!;
            // Machines report; people decide: a client registered before that rule keeps only the roles a machine may act in, and
            // no scope beyond the machine scopes.
            var roles = Accounts
                .RolesOf(await applications.GetPropertiesAsync(application, http.RequestAborted))
                .Where(Roles.ForMachines.Contains)
                .ToArray();
            if (roles.Length == 0)
                return Forbid(
                    Errors.UnauthorizedClient,
                    $"A machine client may only act as {string.Join(" or ", Roles.ForMachines)}; this client holds neither."
                );
            if (request.GetScopes().Except(Accounts.MachineScopes).ToArray() is { Length: > 0 } personScopes)
                return Forbid(
                    Errors.InvalidScope,
                    $"Scope {string.Join(", ", personScopes)} is for people; machine clients get "
                        + $"{string.Join(", ", Accounts.MachineScopes)}."
                );
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId).SetClaim(Claims.Name, name).SetClaims(Claims.Role, [.. roles]);
            identity.SetScopes(request.GetScopes());
            identity.SetAudiences(ApiScopes.ApiResource);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            await log.RecordAsync(
                new TokenIssuedToClient(
                    request.ClientId!,
                    GrantTypes.ClientCredentials,
                    request.GetScopes().ToArray(),
                    log.Audit(
                        http,
                        new Actor(Subjects.Client(request.ClientId!), roles[0], request.ClientId),
                        "Access token issued to a machine client"
                    )
                ),
                http.RequestAborted
            );
            return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsDeviceCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = await users.FindByIdAsync(result.Principal?.GetClaim(Claims.Subject) ?? "");
            // Re-check the account at every exchange: a locked or deleted user's grants stop working at once, and so do grants made
            // before their security stamp changed (a grant made before stamps were carried has none and is refused too).
            if (user is null || !await signIn.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
                return Forbid(Errors.InvalidGrant, "The account can no longer sign in.");
            if (result.Principal!.GetClaim(CurrentAccess.StampClaim) != CurrentAccess.StampDigest(user.SecurityStamp))
                return Forbid(Errors.InvalidGrant, "The account's credentials changed since this grant: sign in again.");
            var identity = await PersonIdentity(user, users, result.Principal!.GetScopes());
            return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> VerifyForm(
        HttpContext http,
        IAntiforgery antiforgery,
        [FromQuery(Name = "user_code")] string? userCode
    )
    {
        var signedIn = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!signedIn.Succeeded)
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + http.Request.QueryString },
                [IdentityConstants.ApplicationScheme]
            );
        return VerifyPage(http, antiforgery, userCode, null);
    }

    private static async Task<IResult> Verify(HttpContext http, IAntiforgery antiforgery, UserManager<GovernanceUser> users)
    {
        var signedIn = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = signedIn.Succeeded ? await users.GetUserAsync(signedIn.Principal) : null;
        if (user is null)
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = "/connect/verify" },
                [IdentityConstants.ApplicationScheme]
            );

        // OpenIddict resolves the user_code of the form into the device's pending request. An unknown, expired or used code
        // still authenticates, with an empty principal: only the user code's own principal says the code is good.
        var device = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (ConfirmedUserCodes.WerePresented(http))
            return Pages.Render(
                "Device sign-in already confirmed",
                """<h1>Already confirmed</h1>"""
                    + """<p class="ok" role="status">This code was already confirmed, and the command line tool signs in with that """
                    + """confirmation: you can close this page. If the tool says the code is no longer valid, start its sign-in """
                    + """again.</p>""",
                StatusCodes.Status400BadRequest
            );
        if (
            device.Properties?.GetParameter<ClaimsPrincipal>(OpenIddictServerAspNetCoreConstants.Properties.UserCodePrincipal)
            is not { } code
        )
            return VerifyPage(
                http,
                antiforgery,
                http.Request.Form["user_code"],
                "That code is not valid or has expired. Check the code shown by the command line tool.",
                StatusCodes.Status400BadRequest
            );
        var identity = await PersonIdentity(user, users, code.GetScopes());
        return Results.SignIn(
            new ClaimsPrincipal(identity),
            new AuthenticationProperties { RedirectUri = "/connect/verify/done" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
        );
    }

    private static IResult VerifyPage(
        HttpContext http,
        IAntiforgery antiforgery,
        string? userCode,
        string? error,
        int status = StatusCodes.Status200OK
    )
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return Pages.Render(
            "Confirm device sign-in",
            $"""
            <h1>Confirm a command-line sign-in</h1>
            <p class="lead">Enter the code shown by the Governance command line tool to let it act as you.</p>
            {Pages.Error(error)}
            <form method="post" action="/connect/verify">
              <input type="hidden" name="{tokens.FormFieldName}" value="{Pages.Encode(tokens.RequestToken)}">
              <label for="user_code">Device code</label>
              <input id="user_code" name="user_code" type="text" autocomplete="off" required autofocus value="{Pages.Encode(userCode)}">
              <button type="submit">Allow</button>
            </form>
            """,
            status
        );
    }

    /// <summary>A person's token identity: subject, name, roles from the identity store now (not when they first signed in), the
    /// digest of their security stamp (<see cref="CurrentAccess"/> refuses the token once it changes), and the granted
    /// scopes.</summary>
    private static async Task<ClaimsIdentity> PersonIdentity(
        GovernanceUser user,
        UserManager<GovernanceUser> users,
        ImmutableArray<string> requestedScopes
    )
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity
            .SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(CurrentAccess.StampClaim, CurrentAccess.StampDigest(user.SecurityStamp))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        identity.SetScopes(requestedScopes);
        identity.SetAudiences(ApiScopes.ApiResource);
        identity.SetDestinations(claim =>
            claim.Type switch
            {
                Claims.Name or Claims.PreferredUsername or Claims.Role or Claims.Email or CurrentAccess.StampClaim =>
                [
                    Destinations.AccessToken,
                    Destinations.IdentityToken,
                ],
                _ => [Destinations.AccessToken],
            }
        );
        return identity;
    }

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(
                new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
                }
            ),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]
        );
}
