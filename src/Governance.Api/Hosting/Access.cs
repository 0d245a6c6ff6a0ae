using System.Security.Claims;
using Governance.Api.Identity;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Authorization;

namespace Governance.Api.Hosting;

/// <summary>The roles an endpoint admits; the first of them the caller holds is the role recorded on the events it writes.</summary>
public sealed record ActingRoles(IReadOnlyList<string> Roles);

/// <summary>Marks an endpoint anyone may call without a token (the attestation JWKS, as an OpenID provider publishes its
/// keys); the authorization matrix checks that it answers anonymous callers.</summary>
public sealed record PublicEndpoint;

/// <summary>The OAuth scopes of which a caller's token must carry one; by default ledger:read for reads and ledger:write for
/// commands.</summary>
public sealed record RequiredScopes(IReadOnlyList<string> Scopes);

/// <summary>
/// Every API endpoint declares who may call it with <see cref="Access.AllowRoles{TBuilder}"/>; this one policy then checks
/// the role and the token's scope. An endpoint that declares nothing is refused to everyone (see the authorization matrix test).
/// </summary>
public sealed class EndpointAccess : IAuthorizationRequirement, IAuthorizationHandler
{
    public const string Policy = nameof(EndpointAccess);

    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var endpoint = (context.Resource as HttpContext)?.GetEndpoint() ?? context.Resource as Endpoint;
        var roles = endpoint?.Metadata.GetMetadata<ActingRoles>();
        if (
            roles is not null
            && context.User.Identity?.IsAuthenticated == true
            && roles.Roles.Any(context.User.MayActAs)
            && Access.ScopesFor(endpoint!).Any(context.User.HoldsScope)
        )
            context.Succeed(this);
        return Task.CompletedTask;
    }
}

public static class Access
{
    public static TBuilder AllowRoles<TBuilder>(this TBuilder builder, params IReadOnlyList<string> roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(EndpointAccess.Policy).WithMetadata(new ActingRoles(roles));

    /// <summary>Publishes an endpoint to everyone, without a token; see <see cref="PublicEndpoint"/>.</summary>
    public static TBuilder AllowAnyone<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.AllowAnonymous().WithMetadata(new PublicEndpoint());

    /// <summary>Narrows the scopes an endpoint accepts, e.g. approvals:read for the pipelines' approval check.</summary>
    public static TBuilder WithScopes<TBuilder>(this TBuilder builder, params string[] scopes)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiredScopes(scopes));

    public static IReadOnlyList<string> ScopesFor(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RequiredScopes>()?.Scopes
        ?? (
            endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.All(m => m is "GET" or "HEAD") == true
                ? [ApiScopes.LedgerRead]
                : [ApiScopes.LedgerWrite]
        );

    /// <summary>Holds <paramref name="role"/> and may act in it: a machine client only in <see cref="Roles.ForMachines"/>, whatever
    /// its token says (people decide, machines report).</summary>
    public static bool MayActAs(this ClaimsPrincipal user, string role) =>
        user.IsInRole(role) && (Domain.Shared.Roles.ForMachines.Contains(role) || !Subjects.IsClient(LedgerCalls.CallerOf(user).SubjectId));

    public static bool HoldsScope(this ClaimsPrincipal user, string scope) =>
        OpenIddict.Abstractions.OpenIddictExtensions.HasScope(user, scope)
        || user.FindAll("scope").Any(c => c.Value.Split(' ').Contains(scope));

    /// <summary>The actor is always the authenticated principal: subject, display name, the endpoint's role it acts in, and its
    /// client.</summary>
    public static Actor Actor(this HttpContext http) =>
        http.Caller().ActingIn(http.GetEndpoint()?.Metadata.GetMetadata<ActingRoles>()?.Roles ?? Domain.Shared.Roles.All);

    /// <summary>The caller's correlation id when it sends one (X-Correlation-Id), so a pipeline run can tie its calls together; else this
    /// request's trace id.</summary>
    public static string CorrelationId(this HttpContext http)
    {
        var sent = http.Request.Headers["X-Correlation-Id"].ToString();
        return sent.Length is > 0 and <= 128 ? sent : System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
    }
}
