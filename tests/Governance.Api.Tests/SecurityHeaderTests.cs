using System.Net;
using System.Text;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// Every kind of answer carries its security headers (issue 12, item 6): one route of each kind, in Testing (plain HTTP, no
/// HSTS), in Production over HTTPS (HSTS, Secure cookies) and in Development over HTTPS (still no HSTS).
/// </summary>
public sealed class SecurityHeaderTests(SecurityHeaderTests.HeadersApp app) : IClassFixture<SecurityHeaderTests.HeadersApp>
{
    /// <summary>A database of its own: the Development host below seeds the development people into it.</summary>
    public sealed class HeadersApp : LedgerApp;

    private static readonly Actor Setup = new("test-setup", "Test setup", Roles.Admin);

    /// <summary>What an answer's headers must be, by kind.</summary>
    private enum Kind
    {
        Api,
        Html,
        Public,
        StaticAsset,
    }

    private sealed record Route(string Name, Kind Kind, HttpStatusCode Status, Func<HttpClient, Task<HttpResponseMessage>> Send);

    /// <summary>One route of each kind: API JSON, a problem 4xx (written by the exception handler), the token endpoint, the
    /// sign-in page, a UI page, a static asset, /health, the JWKS.</summary>
    private static IEnumerable<Route> Routes(ClientCredentials client) =>
        [
            new("API JSON", Kind.Api, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, "/api/v1/inventory", Roles.Auditor)),
            new(
                "problem 4xx",
                Kind.Api,
                HttpStatusCode.BadRequest,
                c =>
                    Send(
                        c,
                        HttpMethod.Post,
                        "/api/v1/models",
                        Roles.ModelOwner,
                        new StringContent("{\"id\":", Encoding.UTF8, "application/json")
                    )
            ),
            new(
                "token endpoint",
                Kind.Api,
                HttpStatusCode.OK,
                c =>
                    Send(
                        c,
                        HttpMethod.Post,
                        "/connect/token",
                        role: null,
                        new FormUrlEncodedContent(
                            new Dictionary<string, string>
                            {
                                ["grant_type"] = "client_credentials",
                                ["client_id"] = client.ClientId,
                                ["client_secret"] = client.ClientSecret,
                                ["scope"] = ApiScopes.ApprovalsRead,
                            }
                        )
                    )
            ),
            new("sign-in page", Kind.Html, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, SignInEndpoints.Path, role: null)),
            new("UI page", Kind.Html, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, "/", Roles.Auditor)),
            new("static asset", Kind.StaticAsset, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, "/_framework/blazor.web.js", role: null)),
            new("health", Kind.Api, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, "/health", role: null)),
            new("JWKS", Kind.Public, HttpStatusCode.OK, c => Send(c, HttpMethod.Get, "/api/v1/attestation-keys", role: null)),
        ];

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string? role, HttpContent? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        if (role is not null)
        {
            request.Headers.Add("X-Test-Subject", $"{role.ToLowerInvariant()}-test");
            request.Headers.Add("X-Test-Role", role);
        }
        return client.SendAsync(request);
    }

    private static async Task<ClientCredentials> Client(WebApplicationFactory<Program> host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<Accounts>()
            .RegisterClientAsync(new NewClient(Scenario.NewId("client"), "Headers", [ApiScopes.ApprovalsRead], null), Setup, null, default);
    }

    /// <summary>Requests every route on <paramref name="host"/> at <paramref name="baseAddress"/> and checks each answer's headers;
    /// HSTS must be there exactly when <paramref name="hsts"/>.</summary>
    private static async Task AssertHeaders(WebApplicationFactory<Program> host, string baseAddress, bool hsts)
    {
        var client = host.CreateClient(
            new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), AllowAutoRedirect = false }
        );
        var failures = new List<string>();
        foreach (var route in Routes(await Client(host)))
        {
            using var response = await route.Send(client);
            var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value));
            string Header(string name) => headers.GetValueOrDefault(name, "(none)");
            void Expect(bool ok, string what)
            {
                if (!ok)
                    failures.Add($"{route.Name}: {what}");
            }

            Expect(response.StatusCode == route.Status, $"status {(int)response.StatusCode}, expected {(int)route.Status}");
            Expect(Header("X-Content-Type-Options") == "nosniff", $"X-Content-Type-Options {Header("X-Content-Type-Options")}");
            Expect(Header("Referrer-Policy") == "no-referrer", $"Referrer-Policy {Header("Referrer-Policy")}");
            var csp = Header("Content-Security-Policy");
            if (route.Kind == Kind.Html)
            {
                Expect(csp.Contains("script-src 'self'"), $"page CSP without script-src 'self': {csp}");
                Expect(csp.Contains("frame-ancestors 'none'"), $"page CSP without frame-ancestors 'none': {csp}");
                Expect(!csp.Contains("unsafe-eval") && !csp.Contains("script-src 'self' 'unsafe-inline'"), $"page CSP allows eval: {csp}");
            }
            else
                Expect(csp == "default-src 'none'; frame-ancestors 'none'", $"CSP {csp}");
            var cache = Header("Cache-Control");
            Expect(
                route.Kind switch
                {
                    Kind.Public => cache == "public, max-age=300",
                    Kind.StaticAsset => !cache.Contains("no-store"),
                    _ => cache.Contains("no-store"),
                },
                $"Cache-Control {cache}"
            );
            Expect(
                hsts ? Header("Strict-Transport-Security") == "max-age=31536000" : !headers.ContainsKey("Strict-Transport-Security"),
                $"Strict-Transport-Security {Header("Strict-Transport-Security")}"
            );
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>A host of the product in <paramref name="environment"/>, on this fixture's database and generated keys.</summary>
    private WebApplicationFactory<Program> In(string environment) =>
        app.WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            b.UseSetting("Governance:Identity:SigningCertificate:Path", Path.Combine(app.DataFolder, "identity-keys", "signing.pfx"));
            b.UseSetting("Governance:Identity:EncryptionCertificate:Path", Path.Combine(app.DataFolder, "identity-keys", "encryption.pfx"));
            b.UseSetting("Governance:Attestations:KeysFolder", Path.Combine(app.DataFolder, "attestation-keys"));
            b.UseSetting("Governance:Webhooks:SecretKeyFile", Path.Combine(app.DataFolder, "webhook-keys", "secrets.key"));
        });

    [Fact]
    public async Task Every_kind_of_answer_carries_the_security_headers_without_HSTS_in_Testing() =>
        await AssertHeaders(app, "http://localhost", hsts: false);

    [Fact]
    public async Task Every_kind_of_answer_carries_HSTS_over_HTTPS_in_Production()
    {
        _ = app.Services; // The Testing host generates the keys the Production host is configured with.
        using var production = In("Production");

        await AssertHeaders(production, "https://governance.example", hsts: true);
    }

    [Fact]
    public async Task The_API_reference_offers_no_AI_chat_MCP_or_developer_tools_which_call_hosted_services()
    {
        var page = await app.CreateClient().GetStringAsync("/docs");

        Assert.Contains("\"agent\":{\"disabled\":true}", page);
        Assert.Contains("\"mcp\":{\"disabled\":true}", page);
        Assert.Contains("\"showDeveloperTools\":\"never\"", page);
    }

    [Fact]
    public async Task Development_sends_no_HSTS_even_over_HTTPS()
    {
        _ = app.Services;
        using var development = In("Development");

        await AssertHeaders(development, "https://governance.example", hsts: false);
    }

    [Theory]
    [InlineData("Testing", "http://localhost", false)]
    [InlineData("Production", "https://governance.example", true)]
    public async Task The_antiforgery_and_sign_in_cookies_are_HttpOnly_SameSite_and_Secure_outside_plain_HTTP_environments(
        string environment,
        string baseAddress,
        bool secure
    )
    {
        _ = app.Services;
        using var host = In(environment);
        var userName = Scenario.NewId("cookie");
        const string password = "Correct-Horse-42";
        await using (var scope = host.Services.CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Accounts>()
                .CreateUserAsync(new NewUser(userName, "Cookie person", null, password, [Roles.Auditor]), Setup, null, default);
        var browser = host.CreateClient(
            new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), AllowAutoRedirect = false }
        );

        using var page = await browser.GetAsync(SignInEndpoints.Path);
        var html = await page.Content.ReadAsStringAsync();
        using var signedIn = await browser.PostAsync(
            SignInEndpoints.Path,
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["userName"] = userName,
                    ["password"] = password,
                    ["__RequestVerificationToken"] = Forms.AntiforgeryToken(html),
                }
            )
        );

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookies = page.Headers.GetValues("Set-Cookie").Concat(signedIn.Headers.GetValues("Set-Cookie")).ToArray();
        Assert.Contains(cookies, c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("governance.identity=", StringComparison.Ordinal));
        foreach (var cookie in cookies)
        {
            var attributes = cookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToArray();
            Assert.Contains("httponly", attributes);
            Assert.Contains(attributes, a => a is "samesite=lax" or "samesite=strict");
            Assert.Equal(secure, attributes.Contains("secure"));
        }
    }
}
