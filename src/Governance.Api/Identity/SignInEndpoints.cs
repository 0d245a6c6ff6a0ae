using System.Security.Claims;
using Governance.Api.Hosting;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Identity;

/// <summary>The sign-in page people reach from the authorization code and device flows; failures and lockouts are logged.</summary>
public static class SignInEndpoints
{
    public const string Path = "/account/sign-in";

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http, IAntiforgery antiforgery, string? returnUrl) => Form(http, antiforgery, returnUrl, null, null))
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapPost(
                Path,
                async (
                    [FromForm] string? userName,
                    [FromForm] string? password,
                    [FromForm] string? returnUrl,
                    HttpContext http,
                    IAntiforgery antiforgery,
                    SignInManager<GovernanceUser> signIn,
                    UserManager<GovernanceUser> users,
                    SecurityLogWriter log
                ) =>
                {
                    var ct = http.RequestAborted;
                    if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
                        return Form(
                            http,
                            antiforgery,
                            returnUrl,
                            userName,
                            "Enter your user name and password.",
                            StatusCodes.Status400BadRequest
                        );

                    var user = await users.FindByNameAsync(userName.Trim());
                    if (user is null)
                    {
                        await log.RecordAsync(
                            new SignInFailed(
                                "unknown-users",
                                userName.Trim(),
                                "unknown_user",
                                log.Audit(http, SecurityLogWriter.Anonymous(userName.Trim()), "Sign-in with an unknown user name")
                            ),
                            ct
                        );
                        return Form(
                            http,
                            antiforgery,
                            returnUrl,
                            userName,
                            "The user name or password is not correct.",
                            StatusCodes.Status400BadRequest
                        );
                    }

                    var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
                    var roles = await users.GetRolesAsync(user);
                    var actor = new Actor(user.Id, user.DisplayName, string.Join(",", roles));
                    if (result.Succeeded)
                    {
                        await log.RecordAsync(
                            new SignInSucceeded(user.Id, user.UserName!, "password", log.Audit(http, actor, "Signed in with password")),
                            ct
                        );
                        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
                    }

                    var (failure, message) = result switch
                    {
                        { IsLockedOut: true } => (
                            "locked_out",
                            $"This account is locked after repeated failures until {user.LockoutEnd:u}."
                        ),
                        { IsNotAllowed: true } => ("not_allowed", "This account is not allowed to sign in."),
                        _ => ("bad_password", "The user name or password is not correct."),
                    };
                    await log.RecordAsync(
                        new SignInFailed(
                            user.Id,
                            user.UserName!,
                            failure,
                            log.Audit(http, SecurityLogWriter.Anonymous(user.UserName!), $"Sign-in refused: {failure}")
                        ),
                        ct
                    );
                    return Form(http, antiforgery, returnUrl, userName, message, StatusCodes.Status400BadRequest);
                }
            )
            .AllowAnonymous()
            // Rate-limited per address and per account (CredentialLimits); the form binding checks the antiforgery token.
            .ExcludeFromDescription();

        app.MapPost(
                "/account/sign-out",
                async (SignInManager<GovernanceUser> signIn, HttpContext http) =>
                {
                    await signIn.SignOutAsync();
                    await http.SignOutAsync(IdentitySetup.UiCookie);
                    return Results.LocalRedirect("/");
                }
            )
            .AllowAnonymous()
            // A cross-site post must not end a person's session (the web UI's sign-out form carries the token).
            .RequireAntiforgeryToken()
            .ExcludeFromDescription();

        // The web UI starts the authorization code flow here, and the server sends the browser back to /signin-oidc.
        app.MapGet(
                "/ui/sign-in",
                (string? returnUrl) =>
                    Results.Challenge(
                        new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/" },
                        [OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]
                    )
            )
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapMethods(
                "/signin-oidc",
                [HttpMethods.Get, HttpMethods.Post],
                async (HttpContext http) =>
                {
                    var result = await http.AuthenticateAsync(
                        OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme
                    );
                    if (!result.Succeeded || result.Principal is null)
                        return Pages.Render(
                            "Sign-in failed",
                            Pages.Error("The sign-in could not be completed. Go back to the application and try again."),
                            StatusCodes.Status400BadRequest
                        );
                    // The UI session keeps who the person is and their roles, from the identity token the server issued.
                    var identity = new ClaimsIdentity(IdentitySetup.UiCookie, "name", "role");
                    var subject = result.Principal.FindFirst("sub")!.Value;
                    identity.AddClaim(new Claim("sub", subject));
                    identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
                    identity.AddClaim(new Claim("name", result.Principal.FindFirst("name")?.Value ?? subject));
                    foreach (var role in result.Principal.FindAll("role"))
                        identity.AddClaim(new Claim("role", role.Value));
                    var returnUrl = result.Properties?.RedirectUri;
                    await http.SignInAsync(
                        IdentitySetup.UiCookie,
                        new ClaimsPrincipal(identity),
                        new AuthenticationProperties { IsPersistent = false }
                    );
                    return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
                }
            )
            .AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>A path on this host that can be put in a Location header (no control character, e.g. a TAB, which would 500).</summary>
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\") && !url.Any(char.IsControl);

    private static IResult Form(
        HttpContext http,
        IAntiforgery antiforgery,
        string? returnUrl,
        string? userName,
        string? error,
        int status = StatusCodes.Status200OK
    )
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return Pages.Render(
            "Sign in",
            $"""
            <h1>Sign in to Governance</h1>
            <p class="lead">Model risk ledger</p>
            {Pages.Error(error)}
            <form method="post" action="{Path}">
              <input type="hidden" name="{tokens.FormFieldName}" value="{Pages.Encode(tokens.RequestToken)}">
              <input type="hidden" name="returnUrl" value="{Pages.Encode(returnUrl)}">
              <label for="userName">User name</label>
              <input id="userName" name="userName" type="text" autocomplete="username" required autofocus value="{Pages.Encode(userName)}">
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">Sign in</button>
            </form>
            """,
            status
        );
    }
}
