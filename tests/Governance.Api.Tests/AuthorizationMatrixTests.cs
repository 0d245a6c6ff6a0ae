using System.Net;
using System.Text;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>
/// Generated from the host's own endpoint list, so a new endpoint cannot skip it: every /api endpoint, called anonymously
/// and as each role, answers 401, 403, or gets past authorization, exactly as its declared roles say.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class AuthorizationMatrixTests(LedgerApp app, ITestOutputHelper output)
{
    private IReadOnlyList<RouteEndpoint> ApiEndpoints() =>
        app
            .Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .ToArray();

    [Fact]
    public void Every_api_endpoint_declares_the_roles_it_admits()
    {
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count >= 25, $"expected the whole API, found {endpoints.Count} endpoints");
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<ActingRoles>() is null && e.Metadata.GetMetadata<PublicEndpoint>() is null)
            .Select(e => e.DisplayName)
            .ToArray();
        Assert.True(undeclared.Length == 0, $"endpoints without AllowRoles: {string.Join("; ", undeclared)}");
    }

    [Fact]
    public async Task Every_api_endpoint_answers_anonymous_callers_and_each_role_as_its_policy_says()
    {
        var failures = new List<string>();
        var rows = 0;
        foreach (var endpoint in ApiEndpoints())
        {
            var method = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()!.HttpMethods[0];
            var path = Fill(endpoint.RoutePattern.RawText!);
            var admitted = endpoint.Metadata.GetMetadata<ActingRoles>()?.Roles ?? [];
            var isPublic = endpoint.Metadata.GetMetadata<PublicEndpoint>() is not null;
            foreach (var role in new string?[] { null }.Concat(Roles.All))
            {
                var client = role is null ? app.As(null) : app.As($"matrix-{role.ToLowerInvariant()}", role);
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method != "GET")
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await client.SendAsync(request);
                var status = response.StatusCode;
                var ok =
                    isPublic ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500
                    : role is null ? status == HttpStatusCode.Unauthorized
                    : admitted.Contains(role) ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500
                    : status == HttpStatusCode.Forbidden;
                rows++;
                if (!ok)
                    failures.Add($"{method} {path} as {role ?? "anonymous"}: {(int)status} (admits {string.Join(", ", admitted)})");
            }
        }
        output.WriteLine($"{rows} endpoint x caller combinations checked");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task A_token_without_the_endpoints_scope_is_refused_even_with_the_right_role()
    {
        var client = app.As("model-server", Roles.DeploymentPipeline);
        client.DefaultRequestHeaders.Add("X-Test-Scopes", "approvals:read");
        using var deploy = await client.PostAsync(
            "/api/v1/models/m/versions/1/deployments",
            new StringContent("{}", Encoding.UTF8, "application/json")
        );
        Assert.Equal(HttpStatusCode.Forbidden, deploy.StatusCode);
        using var check = await client.GetAsync(
            $"/api/v1/approvals/check?model=m&version=1&digest={Scenario.DigestOf("x")}&environment=production"
        );
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
    }

    private static string Fill(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(
            pattern,
            "{([^}:]+)[^}]*}",
            m =>
                m.Groups[1].Value switch
                {
                    "version" => "1.0.0",
                    "approvalId" => Guid.Empty.ToString(),
                    "seq" => "1",
                    "kind" => "model-card",
                    var name => $"matrix-{name.ToLowerInvariant()}",
                }
        );
}
