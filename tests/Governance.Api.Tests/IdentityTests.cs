using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Governance.Api.Tests;

/// <summary>Real OAuth round trips against the host's own OpenIddict server: machines, people, and tokens that must be refused.</summary>
[Collection(IdentityCollection.Name)]
public sealed partial class IdentityTests(IdentityApp app)
{
    private static readonly Actor Setup = new("test-setup", "Test setup", Roles.Admin);
    private static readonly string UnknownDigest = Scenario.DigestOf("unknown artifact");

    private async Task<ClientCredentials> Client(params string[] scopes)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope
            .ServiceProvider.GetRequiredService<Accounts>()
            .RegisterClientAsync(
                new NewClient(Scenario.NewId("client"), "Test pipeline", scopes, null),
                Setup,
                null,
                CancellationToken.None
            );
    }

    private async Task<(string UserName, string Password)> Person(string role)
    {
        var userName = Scenario.NewId("user");
        const string password = "Correct-Horse-42";
        await using var scope = app.Services.CreateAsyncScope();
        await scope
            .ServiceProvider.GetRequiredService<Accounts>()
            .CreateUserAsync(new NewUser(userName, $"{role} person", null, password, [role]), Setup, null, CancellationToken.None);
        return (userName, password);
    }

    private HttpClient Browser() =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<string> ClientCredentialsToken(ClientCredentials client, string scope)
    {
        var token = await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = client.ClientId,
                        ["client_secret"] = client.ClientSecret,
                        ["scope"] = scope,
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        return token.GetProperty("access_token").GetString()!;
    }

    private HttpClient Bearer(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task<HttpResponseMessage> CheckWith(string token) =>
        Bearer(token).GetAsync($"/api/v1/approvals/check?model=credit&version=1.0.0&digest={UnknownDigest}&environment=production");

    [Fact]
    public async Task Discovery_publishes_the_flows_and_the_signing_keys()
    {
        var discovery = await app.CreateClient().GetAsync("/.well-known/openid-configuration").Expect(HttpStatusCode.OK);
        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").Strings());
        Assert.Contains("authorization_code", discovery.GetProperty("grant_types_supported").Strings());
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", discovery.GetProperty("grant_types_supported").Strings());
        Assert.Contains("S256", discovery.GetProperty("code_challenge_methods_supported").Strings());
        var jwks = await app.CreateClient()
            .GetAsync(new Uri(discovery.GetProperty("jwks_uri").GetString()!).PathAndQuery)
            .Expect(HttpStatusCode.OK);
        Assert.NotEmpty(jwks.GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task A_pipeline_client_gets_a_token_and_asks_the_approval_check()
    {
        var client = await Client(ApiScopes.ApprovalsRead, ApiScopes.DeploymentsWrite);
        var token = await ClientCredentialsToken(client, "approvals:read deployments:write");

        var answer = await CheckWith(token).Expect(HttpStatusCode.OK);
        Assert.Equal("denied", answer.GetProperty("decision").GetString());
        await Bearer(token)
            .PostAsJsonAsync(
                "/api/v1/models/nope/versions/1.0.0/deployments",
                new
                {
                    environment = "production",
                    pipelineRunId = "r1",
                    artifactDigest = UnknownDigest,
                }
            )
            .ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
        await Bearer(token).GetAsync("/api/v1/inventory").Expect(HttpStatusCode.Forbidden);

        var log = await SecurityLog();
        Assert.Contains(
            log,
            e =>
                e.GetProperty("eventType").GetString() == "token_issued_to_client"
                && e.GetProperty("subject").GetString() == client.ClientId
        );
    }

    [Fact]
    public async Task Api_refusals_are_problem_details_with_a_code_saying_what_is_missing()
    {
        var pipeline = await ClientCredentialsToken(await Client(ApiScopes.ApprovalsRead), "approvals:read");
        var noRole = await Bearer(pipeline).GetAsync("/api/v1/inventory").ExpectProblem(HttpStatusCode.Forbidden, "access.role_required");
        Assert.Contains(Roles.Auditor, noRole.GetProperty("detail").GetString());
        var (userName, password) = await Person(Roles.Auditor);
        var noScope = await Bearer(await PersonToken(userName, password, "openid"))
            .GetAsync("/api/v1/inventory")
            .ExpectProblem(HttpStatusCode.Forbidden, "access.scope_required");
        Assert.Contains(ApiScopes.LedgerRead, noScope.GetProperty("detail").GetString());

        using var anonymous = await app.CreateClient().GetAsync("/api/v1/inventory");
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        await Task.FromResult(anonymous).ExpectProblem(HttpStatusCode.Unauthorized, "authentication.required");
        using var invalid = await Bearer("not-a-token").GetAsync("/api/v1/inventory");
        Assert.Contains("invalid_token", invalid.Headers.WwwAuthenticate.ToString());
        await Task.FromResult(invalid).ExpectProblem(HttpStatusCode.Unauthorized, "authentication.invalid_token");
    }

    [Fact]
    public async Task A_client_cannot_get_scopes_it_was_not_granted_nor_use_a_wrong_secret()
    {
        var modelServer = await Client(ApiScopes.ApprovalsRead);
        var invalidScope = await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = modelServer.ClientId,
                        ["client_secret"] = modelServer.ClientSecret,
                        ["scope"] = "deployments:write",
                    }
                )
            )
            .Expect(HttpStatusCode.BadRequest);
        Assert.Contains("not allowed to use the specified scope", invalidScope.GetProperty("error_description").GetString());

        await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = modelServer.ClientId,
                        ["client_secret"] = "wrong",
                        ["scope"] = "approvals:read",
                    }
                )
            )
            .Expect(HttpStatusCode.Unauthorized);

        var token = await ClientCredentialsToken(modelServer, "approvals:read");
        await CheckWith(token).Expect(HttpStatusCode.OK);
        await Bearer(token).PostAsJsonAsync("/api/v1/models/nope/versions/1.0.0/deployments", new { }).Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Expired_tampered_foreign_and_wrong_audience_tokens_are_refused()
    {
        var token = await ClientCredentialsToken(await Client(ApiScopes.ApprovalsRead), "approvals:read");
        var signingKey = new X509SecurityKey(
            X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(app.DataFolder, "identity-keys", "signing.pfx"), null)
        );

        // Control: the same claims re-signed with the server's key are accepted, so each refusal below is for its own reason.
        await CheckWith(Resign(token, signingKey)).Expect(HttpStatusCode.OK);

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await CheckWith(
                Resign(
                    token,
                    signingKey,
                    p =>
                    {
                        p["exp"] = now - 120;
                        p["iat"] = now - 1000;
                        p["nbf"] = now - 1000;
                    }
                )
            )
            .Expect(HttpStatusCode.Unauthorized);
        await CheckWith(Resign(token, signingKey, p => p["aud"] = "another-api")).Expect(HttpStatusCode.Unauthorized);
        await CheckWith(Resign(token, new RsaSecurityKey(RSA.Create(2048)) { KeyId = signingKey.KeyId }))
            .Expect(HttpStatusCode.Unauthorized);
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("approvals:read", "deployments:write");
        await CheckWith($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}").Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_person_signs_in_through_the_browser_flow_with_pkce_and_calls_the_api_as_themselves()
    {
        var (userName, password) = await Person(Roles.RiskOfficer);
        var browser = Browser();
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        const string redirect = "http://127.0.0.1:5080/signin-oidc";
        var authorize =
            $"/connect/authorize?client_id=governance-ui&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}"
            + $"&scope={Uri.EscapeDataString("openid profile roles ledger:read approvals:read")}&state=s-123"
            + $"&code_challenge={challenge}&code_challenge_method=S256";

        using var toSignIn = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        Assert.StartsWith("/account/sign-in", toSignIn.Headers.Location!.PathAndQuery);

        using var backToAuthorize = await Forms.SignIn(browser, toSignIn.Headers.Location!.PathAndQuery, userName, password);
        Assert.Equal(HttpStatusCode.Redirect, backToAuthorize.StatusCode);
        using var toClient = await browser.GetAsync(backToAuthorize.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, toClient.StatusCode);
        var callback = toClient.Headers.Location!;
        Assert.StartsWith(redirect, callback.ToString());
        var code = Regex.Match(callback.Query, "code=([^&]+)").Groups[1].Value;
        Assert.Contains("state=s-123", callback.Query);

        var token = await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = "governance-ui",
                        ["code"] = Uri.UnescapeDataString(code),
                        ["redirect_uri"] = redirect,
                        ["code_verifier"] = verifier,
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
        var accessToken = token.GetProperty("access_token").GetString()!;
        Assert.True(token.TryGetProperty("id_token", out _));

        await Bearer(accessToken).GetAsync("/api/v1/inventory").Expect(HttpStatusCode.OK);
        await Bearer(accessToken).GetAsync("/api/v1/admin/users").Expect(HttpStatusCode.Forbidden);
        var log = await SecurityLog();
        var subject = await UserIdOf(userName);
        Assert.Contains(
            log,
            e =>
                e.GetProperty("eventType").GetString() == "sign_in_succeeded"
                && e.GetProperty("payload").GetProperty("subject").GetString() == subject
        );
    }

    [Fact]
    public async Task A_code_cannot_be_redeemed_without_the_pkce_verifier()
    {
        var (userName, password) = await Person(Roles.Auditor);
        var browser = Browser();
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes("the-real-verifier-the-real-verifier-1234567")));
        const string redirect = "http://127.0.0.1:5080/signin-oidc";
        using var toSignIn = await browser.GetAsync(
            $"/connect/authorize?client_id=governance-ui&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}"
                + $"&scope=openid&code_challenge={challenge}&code_challenge_method=S256"
        );
        using var back = await Forms.SignIn(browser, toSignIn.Headers.Location!.PathAndQuery, userName, password);
        using var toClient = await browser.GetAsync(back.Headers.Location!.OriginalString);
        var code = Uri.UnescapeDataString(Regex.Match(toClient.Headers.Location!.Query, "code=([^&]+)").Groups[1].Value);

        var refused = await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = "governance-ui",
                        ["code"] = code,
                        ["redirect_uri"] = redirect,
                        ["code_verifier"] = "a-different-verifier-a-different-verifier-12",
                    }
                )
            )
            .Expect(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", refused.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_person_authorizes_the_command_line_tool_with_the_device_flow()
    {
        var (userName, password) = await Person(Roles.ModelOwner);
        var device = await app.CreateClient()
            .PostAsync(
                "/connect/device",
                new FormUrlEncodedContent(
                    new Dictionary<string, string> { ["client_id"] = "governance-cli", ["scope"] = "openid ledger:read ledger:write" }
                )
            )
            .Expect(HttpStatusCode.OK);
        var deviceCode = device.GetProperty("device_code").GetString()!;
        var userCode = device.GetProperty("user_code").GetString()!;

        var pending = await app.CreateClient()
            .PostAsync("/connect/token", DeviceTokenRequest(deviceCode))
            .Expect(HttpStatusCode.BadRequest);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());

        var browser = Browser();
        using var toSignIn = await browser.GetAsync($"/connect/verify?user_code={Uri.EscapeDataString(userCode)}");
        using var back = await Forms.SignIn(browser, toSignIn.Headers.Location!.PathAndQuery, userName, password);
        using var form = await browser.GetAsync(back.Headers.Location!.OriginalString);
        var html = await form.Content.ReadAsStringAsync();
        using var confirmed = await browser.PostAsync(
            "/connect/verify",
            new FormUrlEncodedContent(
                new Dictionary<string, string> { ["user_code"] = userCode, ["__RequestVerificationToken"] = Forms.AntiforgeryToken(html) }
            )
        );
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);

        var token = await app.CreateClient().PostAsync("/connect/token", DeviceTokenRequest(deviceCode)).Expect(HttpStatusCode.OK);
        await Bearer(token.GetProperty("access_token").GetString()!).GetAsync("/api/v1/inventory").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_admin_creates_users_changes_roles_and_rotates_client_secrets_all_recorded()
    {
        var (adminName, adminPassword) = await Person(Roles.Admin);
        var admin = Bearer(await PersonToken(adminName, adminPassword, "openid ledger:read ledger:write"));

        var problem = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName = "weak",
                    displayName = "Weak",
                    password = "short",
                    roles = new[] { "Auditor" },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
        var userName = Scenario.NewId("new");
        var created = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName,
                    displayName = "New Auditor",
                    password = "Long-enough-password-1",
                    roles = new[] { "Auditor" },
                }
            )
            .Expect(HttpStatusCode.Created);
        var userId = created.GetProperty("id").GetString()!;
        await admin
            .PutAsJsonAsync($"/api/v1/admin/users/{userId}/roles", new { roles = new[] { "Auditor", "Emperor" } })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await admin.PutAsJsonAsync($"/api/v1/admin/users/{userId}/roles", new { roles = new[] { "Validator" } }).Expect(HttpStatusCode.OK);

        var client = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/clients",
                new
                {
                    clientId = Scenario.NewId("ci"),
                    displayName = "CI",
                    scopes = new[] { "approvals:read" },
                }
            )
            .Expect(HttpStatusCode.Created);
        var clientId = client.GetProperty("clientId").GetString()!;
        var oldSecret = client.GetProperty("clientSecret").GetString()!;
        var rotated = await admin.PostAsync($"/api/v1/admin/clients/{clientId}/secret", null).Expect(HttpStatusCode.OK);
        Assert.NotEqual(oldSecret, rotated.GetProperty("clientSecret").GetString());
        await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = clientId,
                        ["client_secret"] = oldSecret,
                        ["scope"] = "approvals:read",
                    }
                )
            )
            .Expect(HttpStatusCode.Unauthorized);
        await ClientCredentialsToken(
            new ClientCredentials(clientId, rotated.GetProperty("clientSecret").GetString()!, [], []),
            "approvals:read"
        );

        var types = (await SecurityLog())
            .Select(e => (Type: e.GetProperty("eventType").GetString(), Subject: e.GetProperty("subject").GetString()))
            .ToArray();
        Assert.Contains(("user_created", userId), types);
        Assert.Contains(("user_roles_changed", userId), types);
        Assert.Contains(("client_registered", clientId), types);
        Assert.Contains(("client_secret_rotated", clientId), types);
    }

    [Fact]
    public async Task The_token_endpoint_is_rate_limited()
    {
        using var limited = app.WithWebHostBuilder(b => b.UseSetting("Governance:RateLimits:CredentialsPerMinute", "3"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await limited
                .CreateClient()
                .PostAsync(
                    "/connect/token",
                    new FormUrlEncodedContent(
                        new Dictionary<string, string>
                        {
                            ["grant_type"] = "client_credentials",
                            ["client_id"] = "nobody",
                            ["client_secret"] = "x",
                        }
                    )
                );
            statuses.Add(response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(3));
    }

    [Fact]
    public async Task An_e_mail_address_over_256_characters_is_refused_naming_the_field()
    {
        var (adminName, adminPassword) = await Person(Roles.Admin);
        var admin = Bearer(await PersonToken(adminName, adminPassword, "openid ledger:read ledger:write"));

        var problem = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName = Scenario.NewId("mail"),
                    displayName = "Long Mail",
                    email = new string('a', 300) + "@example.com",
                    password = "Long-enough-password-1",
                    roles = new[] { "Auditor" },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task A_return_url_with_a_tab_sends_the_person_home_after_signing_in()
    {
        var (userName, password) = await Person(Roles.Auditor);

        using var signedIn = await Forms.SignIn(
            Browser(),
            $"/account/sign-in?returnUrl={Uri.EscapeDataString("/inventory\tx")}",
            userName,
            password
        );

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/connect/token", "grant_type=client_credentials&client_id=governance-pipeline&client_id=other&client_secret=x")]
    [InlineData("/account/sign-in", "userName=a&userName=b&password=x")]
    public async Task A_form_field_given_twice_is_refused_naming_it(string path, string form)
    {
        var answer = app.CreateClient().PostAsync(path, new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));

        var problem = await answer.ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");

        Assert.Single(problem.GetProperty("errors").EnumerateObject());
    }

    private async Task<string> PersonToken(string userName, string password, string scope) =>
        (await PersonTokens(userName, password, scope)).GetProperty("access_token").GetString()!;

    /// <summary>The token answer of the web UI's authorization code flow with PKCE for a person: access, identity and (with
    /// offline_access) refresh token.</summary>
    private async Task<JsonElement> PersonTokens(string userName, string password, string scope)
    {
        return await Forms.AuthorizationCodeTokens(
            Browser(),
            app.CreateClient(),
            "http://127.0.0.1:5080/signin-oidc",
            userName,
            password,
            scope
        );
    }

    private static FormUrlEncodedContent DeviceTokenRequest(string deviceCode) =>
        new(
            new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
                ["client_id"] = "governance-cli",
                ["device_code"] = deviceCode,
            }
        );

    private async Task<IReadOnlyList<JsonElement>> SecurityLog()
    {
        var (admin, password) = await Person(Roles.Auditor);
        var token = await PersonToken(admin, password, "openid ledger:read");
        var events = new List<JsonElement>();
        long? after = 0;
        while (after is not null)
        {
            var page = await Bearer(token).GetAsync($"/api/v1/security-log?limit=500&after={after}").Expect(HttpStatusCode.OK);
            events.AddRange(page.GetProperty("events").EnumerateArray());
            after = page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextAfter").GetInt64();
        }
        return events;
    }

    /// <summary>Re-signs a token's claims (optionally changed) with <paramref name="key"/>, keeping its header type.</summary>
    private static string Resign(string token, SecurityKey key, Action<Dictionary<string, object>>? change = null)
    {
        var jwt = new JsonWebToken(token);
        var claims = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(token.Split('.')[1]))!;
        change?.Invoke(claims);
        var payload = JsonSerializer.Serialize(claims);
        key.KeyId = jwt.Kid;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            payload,
            new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            new Dictionary<string, object> { ["typ"] = jwt.Typ }
        );
    }
}
