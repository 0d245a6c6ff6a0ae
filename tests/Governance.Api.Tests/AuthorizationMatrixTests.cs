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
/// Generated from the host's own endpoint list, so a new endpoint cannot skip it: every /api endpoint, called by every kind
/// of principal (<see cref="Principals"/>), answers 401, 403, or gets past authorization, exactly as its declared roles and
/// scopes say.
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
    public async Task Every_api_endpoint_answers_every_kind_of_principal_as_its_policy_says()
    {
        var failures = new List<string>();
        var rows = 0;
        foreach (var endpoint in ApiEndpoints())
        {
            var method = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()!.HttpMethods[0];
            var path = Fill(endpoint.RoutePattern.RawText!);
            var admitted = endpoint.Metadata.GetMetadata<ActingRoles>()?.Roles ?? [];
            var isPublic = endpoint.Metadata.GetMetadata<PublicEndpoint>() is not null;
            var scopes = Access.ScopesFor(endpoint);
            foreach (var principal in Principals())
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method != "GET")
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await principal.Client.SendAsync(request);
                var status = response.StatusCode;
                var expectAdmitted =
                    principal.Roles.Count > 0
                    && principal.Roles.Any(r => admitted.Contains(r) && (!principal.IsMachine || Roles.ForMachines.Contains(r)))
                    && (principal.Scope is null || principal.Scope.Split(' ').Any(scopes.Contains));
                var ok =
                    isPublic ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500
                    : principal.Roles.Count == 0 ? status == HttpStatusCode.Unauthorized
                    : expectAdmitted ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500
                    : status == HttpStatusCode.Forbidden;
                rows++;
                if (!ok)
                    failures.Add($"{method} {path} as {principal.Name}: {(int)status} (admits {string.Join(", ", admitted)})");
            }
        }
        output.WriteLine($"{rows} endpoint x caller combinations checked");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>A caller of the matrix: who, the roles it holds, whether it is a machine client, and its scopes, space-separated
    /// (null: every scope, as a person's token to the first-party applications).</summary>
    private sealed record Principal(string Name, HttpClient Client, IReadOnlyList<string> Roles, bool IsMachine, string? Scope);

    /// <summary>
    /// Every kind of caller: anonymous; a person in each role; a person holding two conflicting roles; and, for each machine
    /// scope, a machine client holding every role (as a client registered before machines were limited to reporting could), whose
    /// id equals a person's (an impersonation attempt). Machines are admitted only in ModelOwner or DeploymentPipeline.
    /// </summary>
    private IEnumerable<Principal> Principals()
    {
        yield return new Principal("anonymous", app.As(null), [], false, null);
        foreach (var role in Roles.All)
            yield return new Principal(role, app.As($"matrix-{role.ToLowerInvariant()}", role), [role], false, null);
        yield return new Principal(
            "owner and risk officer",
            app.As("matrix-conflicted", $"{Roles.ModelOwner},{Roles.RiskOfficer}"),
            [Roles.ModelOwner, Roles.RiskOfficer],
            false,
            null
        );
        // The last: a token issued before machine clients lost the people's scopes (valid up to 15 minutes after the upgrade).
        foreach (var scope in Governance.Api.Identity.Accounts.MachineScopes.Append("ledger:read ledger:write"))
            yield return new Principal(
                $"machine client with {scope} and every role, client id of a person",
                app.AsClient("matrix-riskofficer", string.Join(",", Roles.All), scope),
                Roles.All,
                true,
                scope
            );
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
