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

        // Rate-limited per address and per account (CredentialLimits); the form binding checks the antiforgery token.
        app.MapPost(Path, SignInAsync).AllowAnonymous().ExcludeFromDescription();

        app.MapPost(
                "/account/sign-out",
                async (SignInManager<GovernanceUser> signIn, UiSessions sessions, HttpContext http) =>
                {
                    // Ends the UI session for every tab and node first: open pages of it can no longer act.
                    if ((await http.AuthenticateAsync(IdentitySetup.UiCookie)).Principal is { } ui)
                        await sessions.EndAsync(ui, http.RequestAborted);
                    await signIn.SignOutAsync();
                    await http.SignOutAsync(IdentitySetup.UiCookie);
                    return Results.LocalRedirect("/");
                }
            )
            .AllowAnonymous()
            // A cross-site post must not end a person's session (the web UI's sign-out form carries the token).
            .RequireAntiforgeryToken()
            .ExcludeFromDescription();

        // The web UI starts the authorization code flow here, and the server sends the browser back to /signin-oidc. With
        // reauthenticate=true (a page left idle before signing) the sign-in session ends first, so the person enters their password.
        app.MapGet(
                "/ui/sign-in",
                async (string? returnUrl, bool? reauthenticate, SignInManager<GovernanceUser> signIn) =>
                {
                    if (reauthenticate == true)
                        await signIn.SignOutAsync();
                    return Results.Challenge(
                        new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/" },
                        [OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]
                    );
                }
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
                    // The UI session keeps who the person is, their roles and security stamp, from the identity token the server
                    // issued, and a new session id (UiSessions), so that signing out ends this session in every tab.
                    var identity = new ClaimsIdentity(IdentitySetup.UiCookie, "name", "role");
                    var subject = result.Principal.FindFirst("sub")!.Value;
                    identity.AddClaim(new Claim("sub", subject));
                    identity.AddClaim(new Claim(CurrentAccess.SessionClaim, UiSessions.NewSessionId()));
                    if (result.Principal.FindFirst(CurrentAccess.StampClaim) is { } stamp)
                        identity.AddClaim(new Claim(CurrentAccess.StampClaim, stamp.Value));
                    identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject));
                    identity.AddClaim(new Claim("name", result.Principal.FindFirst("name")?.Value ?? subject));
                    foreach (var role in result.Principal.FindAll("role"))
                        identity.AddClaim(new Claim("role", role.Value));
                    var returnUrl = result.Properties?.RedirectUri;
                    var properties = new AuthenticationProperties { IsPersistent = false };
                    properties.Items[UiSessions.StartedProperty] = http
                        .RequestServices.GetRequiredService<TimeProvider>()
                        .GetUtcNow()
                        .ToString("O", System.Globalization.CultureInfo.InvariantCulture);
                    await http.SignInAsync(IdentitySetup.UiCookie, new ClaimsPrincipal(identity), properties);
                    return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
                }
            )
            .AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The one answer to every refused sign-in with a user name and password, whatever the reason (unknown user name,
    /// wrong password, locked or disabled account), so that answers do not tell which accounts exist (OWASP ASVS 4.0.3 V2.2.1).</summary>
    public const string Refused = "The user name or password is not correct, or this account cannot sign in right now.";

    /// <summary>
    /// Checks a user name and password posted by the sign-in form. Every refusal is in the security log (SignInFailed) and
    /// answers <see cref="Refused"/> with 400, after the same password hashing for unknown and known user names
    /// (<see cref="UnknownUserPassword"/>). An attempt during a back-off (<see cref="SignInThrottle"/>) answers 429 with
    /// Retry-After without checking the password and is not logged (the failures that started the back-off are). A wrong
    /// password that completes failures from enough addresses locks the account (AccountLockedOut). Success signs the person in
    /// and returns to <paramref name="returnUrl"/> when it is local.
    /// </summary>
    private static async Task<IResult> SignInAsync(
        [FromForm] string? userName,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        HttpContext http,
        IAntiforgery antiforgery,
        SignInManager<GovernanceUser> signIn,
        UserManager<GovernanceUser> users,
        IPasswordHasher<GovernanceUser> hasher,
        UnknownUserPassword unknownUsers,
        SignInThrottle throttle,
        SecurityLogWriter log
    )
    {
        var ct = http.RequestAborted;
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
            return Form(http, antiforgery, returnUrl, userName, "Enter your user name and password.", StatusCodes.Status400BadRequest);

        var name = userName.Trim();
        var account = users.NormalizeName(name);
        var address = CredentialLimits.AddressKey(http.Connection.RemoteIpAddress);
        var user = await users.FindByNameAsync(name);
        var subject = user?.Id ?? SignInFailed.UnknownUsers;
        Audit Refusal(string failure) => log.Audit(http, SecurityLogWriter.Anonymous, $"Sign-in refused: {failure}");

        var wait = await throttle.WaitAsync(account, address, ct);
        if (wait > TimeSpan.Zero)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Form(
                http,
                antiforgery,
                returnUrl,
                userName,
                $"Too many failed sign-ins with this user name from your network. Try again in {seconds} seconds.",
                StatusCodes.Status429TooManyRequests
            );
        }

        // The hasher runs for every attempt that gets this far, known user name or not.
        var passwordMatches = false;
        if (user is null)
            unknownUsers.Check(hasher, password);
        else
            passwordMatches = await users.CheckPasswordAsync(user, password);
        var failure =
            user is null ? "unknown_user"
            : throttle.IsLockedOut(user) ? "locked_out"
            : !await signIn.CanSignInAsync(user) ? "not_allowed"
            : !passwordMatches ? "bad_password"
            : null;

        if (failure is null)
        {
            await throttle.SucceededAsync(account, address, ct);
            await signIn.SignInAsync(user!, isPersistent: false);
            var roles = await users.GetRolesAsync(user!);
            var actor = new Actor(Subjects.User(user!.Id), string.Join(",", roles));
            await log.RecordAsync(new SignInSucceeded(user.Id, "password", log.Audit(http, actor, "Signed in with password")), ct);
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }

        var addresses = await throttle.FailedAsync(account, address, ct);
        await log.RecordAsync(new SignInFailed(subject, user is null ? name : null, failure, Refusal(failure)), ct);
        if (failure == "bad_password" && throttle.Locks(addresses) && await throttle.LockAsync(users, user!) is { } until)
        {
            // The person's tokens and open pages stop working at once, on every node.
            await http.RequestServices.GetRequiredService<AccessChanges>().PublishAsync(CurrentAccess.UserKey(user!.Id), ct);
            await log.RecordAsync(
                new AccountLockedOut(
                    user!.Id,
                    until,
                    addresses,
                    log.Audit(http, SecurityLogWriter.Anonymous, $"Failed passwords from {addresses} networks")
                ),
                ct
            );
        }
        return Form(http, antiforgery, returnUrl, userName, Refused, StatusCodes.Status400BadRequest);
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
