using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Governance.Api.Tests;

/// <summary>
/// Rate limits of credential requests per address, per client and per account (issue 12, item 5), with client addresses
/// forwarded by configured proxies only. Each test runs on a host of its own with low limits, speaking from test addresses.
/// </summary>
public sealed partial class IdentityTests
{
    /// <summary>A browser-like client speaking from <paramref name="peer"/> (see <see cref="TestPeerAddress"/>).</summary>
    private static HttpClient From(WebApplicationFactory<Program> host, string peer)
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add(TestPeerAddress.Header, peer);
        return client;
    }

    /// <summary>A sign-in form post, antiforgery token included, as a browser sends it.</summary>
    private static Task<HttpResponseMessage> PostSignIn(HttpClient browser, string userName, string password) =>
        Forms.SignIn(browser, SignInEndpoints.Path, userName, password);

    [Fact]
    public async Task Token_requests_are_limited_per_client_whatever_address_they_come_from()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:CredentialsPerClientPerMinute", "2"));
        var pipeline = await Client(ApiScopes.ApprovalsRead);
        var other = await Client(ApiScopes.ApprovalsRead);
        var basic = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = Form(("grant_type", "client_credentials"), ("scope", "approvals:read")),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{pipeline.ClientId}:wrong-secret"))
        );

        var statuses = new[]
        {
            (
                await From(limited, "10.2.0.1")
                    .PostAsync("/connect/token", ClientCredentialsRequest(pipeline.ClientId, pipeline.ClientSecret))
            ).StatusCode,
            (await From(limited, "10.2.0.2").PostAsync("/connect/token", ClientCredentialsRequest(pipeline.ClientId, "guess"))).StatusCode,
            (await From(limited, "10.2.0.3").SendAsync(basic)).StatusCode,
            (
                await From(limited, "10.2.0.4")
                    .PostAsync("/connect/token", ClientCredentialsRequest(pipeline.ClientId, pipeline.ClientSecret))
            ).StatusCode,
            (
                await From(limited, "10.2.0.4").PostAsync("/connect/token", ClientCredentialsRequest(other.ClientId, other.ClientSecret))
            ).StatusCode,
        };

        Assert.Equal(
            [
                HttpStatusCode.OK,
                HttpStatusCode.Unauthorized,
                HttpStatusCode.TooManyRequests,
                HttpStatusCode.TooManyRequests,
                HttpStatusCode.OK,
            ],
            statuses
        );
    }

    [Fact]
    public async Task Sign_ins_are_limited_per_account_whatever_address_they_come_from()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:CredentialsPerAccountPerMinute", "2"));
        var (userName, _) = await Person(Roles.Auditor);

        var statuses = new List<HttpStatusCode>();
        foreach (
            var (peer, name) in new[] { ("10.3.0.1", userName), ("10.3.0.2", $" {userName.ToUpperInvariant()}"), ("10.3.0.3", userName) }
        )
            statuses.Add((await PostSignIn(From(limited, peer), name, "not-the-password")).StatusCode);
        var someoneElse = await PostSignIn(From(limited, "10.3.0.3"), Scenario.NewId("other"), "not-the-password");

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.BadRequest, someoneElse.StatusCode);
    }

    [Fact]
    public async Task The_device_authorization_endpoint_is_rate_limited_per_address()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:CredentialsPerMinute", "2"));

        for (var i = 0; i < 2; i++)
            await From(limited, "10.4.0.1").PostAsync("/connect/device", DeviceRequest()).Expect(HttpStatusCode.OK);
        var third = await From(limited, "10.4.0.1").PostAsync("/connect/device", DeviceRequest());
        var elsewhere = await From(limited, "10.4.0.2").PostAsync("/connect/device", DeviceRequest());

        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        var problem = await Task.FromResult(third).ExpectProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.StartsWith("Nothing was done.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    [Theory]
    [InlineData("Governance:ForwardedHeaders:KnownProxies:0", "10.0.0.1")]
    [InlineData("Governance:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/24")]
    public async Task Forwarded_client_addresses_are_honoured_from_configured_proxies_only(string setting, string proxies)
    {
        using var limited = app.WithWebHostBuilder(b =>
        {
            b.UseSetting("Governance:RateLimits:CredentialsPerMinute", "2");
            b.UseSetting(setting, proxies);
        });
        async Task<HttpStatusCode> Device(string peer, string forwardedFor)
        {
            var client = From(limited, peer);
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
            return (await client.PostAsync("/connect/device", DeviceRequest())).StatusCode;
        }

        // Through the proxy, each client has its own allowance, and the proxy's address none of its own.
        var throughProxy = new[]
        {
            await Device("10.0.0.1", "203.0.113.1"),
            await Device("10.0.0.1", "203.0.113.1"),
            await Device("10.0.0.1", "203.0.113.1"),
            await Device("10.0.0.1", "203.0.113.2"),
            await Device("10.0.0.1", "198.51.100.7, 203.0.113.3"),
        };
        // From anywhere else the header is the sender's say-so: its own address counts.
        var direct = new[]
        {
            await Device("192.0.2.9", "203.0.113.4"),
            await Device("192.0.2.9", "203.0.113.5"),
            await Device("192.0.2.9", "203.0.113.6"),
        };

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK],
            throughProxy
        );
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], direct);
    }

    [Fact]
    public async Task Without_configured_proxies_no_forwarded_address_is_honoured()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:CredentialsPerMinute", "2"));

        var statuses = new List<HttpStatusCode>();
        foreach (var forwardedFor in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
        {
            var client = From(limited, "127.0.0.1");
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
            statuses.Add((await client.PostAsync("/connect/device", DeviceRequest())).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}
