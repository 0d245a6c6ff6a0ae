using System.Net;
using System.Text;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>The authorization matrix's row that needs real tokens: a demoted person whose token is still unexpired.</summary>
public sealed partial class IdentityTests
{
    [Fact]
    public async Task A_demoted_persons_unexpired_token_is_refused_on_every_api_endpoint_that_is_not_public()
    {
        var (person, password) = await Person(Roles.RiskOfficer);
        var token = await PersonToken(person, password, "openid ledger:read ledger:write approvals:read");
        await Bearer(token).GetAsync("/api/v1/me").Expect(HttpStatusCode.OK);

        await SetRoles(person);

        var endpoints = app
            .Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .Where(e => e.Metadata.GetMetadata<PublicEndpoint>() is null)
            .ToArray();
        Assert.True(endpoints.Length >= 25, $"expected the whole API, found {endpoints.Length}");
        var admitted = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods[0];
            var path = System.Text.RegularExpressions.Regex.Replace(endpoint.RoutePattern.RawText!, "{([^}:]+)[^}]*}", "demoted");
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method != "GET")
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await Bearer(token).SendAsync(request);
            if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                admitted.Add($"{method} {path}: {(int)response.StatusCode}");
        }
        Assert.True(admitted.Count == 0, string.Join(Environment.NewLine, admitted));
    }
}
