using Governance.Api.Identity;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Validation.AspNetCore;

namespace Governance.Api.Hosting;

/// <summary>
/// The API's 401 and 403 as problem details with a <c>code</c>, like every other refusal: the authentication scheme still
/// answers the challenge or forbid itself (status, <c>WWW-Authenticate</c>), then the body says what is missing. 401
/// <c>authentication.required</c> without a token, <c>authentication.invalid_token</c> for a refused one; 403
/// <c>access.role_required</c>, <c>access.person_required</c> (a machine client holding a role only people may act in)
/// or <c>access.scope_required</c>, naming the endpoint's roles or scopes. Pages and <c>/connect</c> keep the default.
/// </summary>
public sealed class ApiRefusals : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    /// <inheritdoc/>
    public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        await _default.HandleAsync(next, http, policy, result);
        if (!(result.Challenged || result.Forbidden) || !http.Request.Path.StartsWithSegments("/api") || http.Response.HasStarted)
            return;
        var problem = result.Challenged ? await UnauthenticatedAsync(http) : Forbidden(http);
        await Results.Problem(problem).ExecuteAsync(http);
    }

    private static async Task<ProblemDetails> UnauthenticatedAsync(HttpContext http)
    {
        if (!http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Problems.Create(
                StatusCodes.Status401Unauthorized,
                "authentication.required",
                "Authentication required",
                "This endpoint needs an access token: send it as 'Authorization: Bearer <token>' (tokens come from /connect/token)."
            );
        // The scheme's result of this request, kept by its handler: why the token was refused, as WWW-Authenticate says.
        var reason = (await http.AuthenticateAsync()).Properties?.GetString(
            OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription
        );
        return Problems.Create(
            StatusCodes.Status401Unauthorized,
            "authentication.invalid_token",
            "The access token was refused",
            $"{reason ?? "The access token is not valid."} Get a new token and try again."
        );
    }

    private static ProblemDetails Forbidden(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        var roles = endpoint?.Metadata.GetMetadata<ActingRoles>()?.Roles ?? [];
        var user = http.User;
        var held = Roles.All.Where(user.IsInRole).ToArray();
        var heldText = held.Length == 0 ? "none" : string.Join(", ", held);
        if (!roles.Any(user.MayActAs))
            return roles.Any(user.IsInRole)
                ? Problems.Create(
                    StatusCodes.Status403Forbidden,
                    "access.person_required",
                    "A person must do this",
                    $"This endpoint needs one of the roles {string.Join(", ", roles)} held by a person; a machine client may act "
                        + $"only as {string.Join(" or ", Roles.ForMachines)}."
                )
                : Problems.Create(
                    StatusCodes.Status403Forbidden,
                    "access.role_required",
                    "The caller's roles do not allow this",
                    roles.Count == 0
                        ? "This endpoint admits no role."
                        : $"This endpoint needs one of the roles {string.Join(", ", roles)}; the caller holds {heldText}."
                );
        var scopes = Access.ScopesFor(endpoint!);
        var granted = ApiScopes.All.Where(user.HoldsScope).ToArray();
        return Problems.Create(
            StatusCodes.Status403Forbidden,
            "access.scope_required",
            "The access token's scopes do not allow this",
            $"This endpoint needs a token with one of the scopes {string.Join(", ", scopes)}; this token has "
                + $"{(granted.Length == 0 ? "none of the API's scopes" : string.Join(", ", granted))}."
        );
    }
}
