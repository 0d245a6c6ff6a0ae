using System.Security.Claims;
using Governance.Domain.Shared;

namespace Governance.Api.Hosting;

/// <summary>The roles an endpoint admits; the first of them the caller holds is the role recorded on the events it writes.</summary>
public sealed record ActingRoles(IReadOnlyList<string> Roles);

public static class Access
{
    public static TBuilder AllowRoles<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole(roles)).WithMetadata(new ActingRoles(roles));

    /// <summary>The actor is always the authenticated principal: subject, display name, the role it acts in, and the client it came through.</summary>
    public static Actor Actor(this HttpContext http)
    {
        var user = http.User;
        var roles = http.GetEndpoint()?.Metadata.GetMetadata<ActingRoles>()?.Roles ?? Domain.Shared.Roles.All;
        var role = roles.FirstOrDefault(user.IsInRole)
                   ?? throw new InvalidOperationException("The endpoint admitted a principal holding none of its roles.");
        var subject = user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier)
                      ?? throw new InvalidOperationException("The authenticated principal has no subject.");
        var name = user.FindFirstValue("name") ?? user.Identity?.Name ?? subject;
        return new Actor(subject, name, role, user.FindFirstValue("client_id"));
    }

    /// <summary>The caller's correlation id when it sends one (X-Correlation-Id), so a pipeline run can tie its calls together; else this request's trace id.</summary>
    public static string CorrelationId(this HttpContext http)
    {
        var sent = http.Request.Headers["X-Correlation-Id"].ToString();
        return sent.Length is > 0 and <= 128 ? sent : System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
    }
}
