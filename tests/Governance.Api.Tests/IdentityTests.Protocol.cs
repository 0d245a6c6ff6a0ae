using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>
/// The OAuth protocol hardened (issue 12, item 5): PKCE with S256 only, refresh tokens used once, antiforgery on the
/// cookie-authenticated forms, failed client authentications in the security log, credential fields bounded.
/// </summary>
public sealed partial class IdentityTests
{
    private const string UiRedirect = "http://127.0.0.1:5080/signin-oidc";

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private static FormUrlEncodedContent ClientCredentialsRequest(string clientId, string secret) =>
        Form(("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret), ("scope", "approvals:read"));

    private static FormUrlEncodedContent DeviceRequest() => Form(("client_id", "governance-cli"), ("scope", "openid ledger:read"));

    private async Task<IReadOnlyList<JsonElement>> SecurityEvents(string eventType) =>
        (await SecurityLog()).Where(e => e.GetProperty("eventType").GetString() == eventType).ToArray();

    [Theory]
    [InlineData("plain")]
    [InlineData(null)]
    public async Task Discovery_offers_only_S256_and_an_authorization_request_without_it_gets_no_code(string? method)
    {
        var discovery = await app.CreateClient().GetAsync("/.well-known/openid-configuration").Expect(HttpStatusCode.OK);
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").Strings());
        var (userName, password) = await Person(Roles.Auditor);
        var browser = Browser();
        using (var signedIn = await Forms.SignIn(browser, SignInEndpoints.Path, userName, password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // A signed-in person: with S256 this request would be redirected back with a code at once.
        var problem = await browser
            .GetAsync(
                $"/connect/authorize?client_id=governance-ui&response_type=code&redirect_uri={Uri.EscapeDataString(UiRedirect)}"
                    + $"&scope=openid&code_challenge=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
                    + (method is null ? "" : $"&code_challenge_method={method}")
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");

        Assert.Contains("code_challenge_method", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_refresh_token_presented_twice_is_refused_and_its_grant_is_revoked()
    {
        var (userName, password) = await Person(Roles.Auditor);
        var first = (await PersonTokens(userName, password, "openid offline_access ledger:read")).GetProperty("refresh_token").GetString()!;
        FormUrlEncodedContent Refresh(string token) =>
            Form(("grant_type", "refresh_token"), ("client_id", "governance-ui"), ("refresh_token", token));

        var second = (await app.CreateClient().PostAsync("/connect/token", Refresh(first)).Expect(HttpStatusCode.OK))
            .GetProperty("refresh_token")
            .GetString()!;
        var replay = await app.CreateClient().PostAsync("/connect/token", Refresh(first)).Expect(HttpStatusCode.BadRequest);
        var afterReplay = await app.CreateClient().PostAsync("/connect/token", Refresh(second)).Expect(HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());
        Assert.Equal("invalid_grant", afterReplay.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_device_confirmation_posted_without_the_antiforgery_token_is_refused_and_the_device_gets_no_token()
    {
        var (userName, password) = await Person(Roles.ModelOwner);
        // The attacker starts a device flow; the victim is signed in to the server in their browser.
        var device = await app.CreateClient().PostAsync("/connect/device", DeviceRequest()).Expect(HttpStatusCode.OK);
        var victim = Browser();
        using (var signedIn = await Forms.SignIn(victim, SignInEndpoints.Path, userName, password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // A cross-site form carries the victim's cookies and the attacker's user code, but no token of the victim's page.
        await victim
            .PostAsync("/connect/verify", Form(("user_code", device.GetProperty("user_code").GetString()!)))
            .ExpectProblem(HttpStatusCode.BadRequest, "antiforgery.invalid");

        var pending = await app.CreateClient()
            .PostAsync("/connect/token", DeviceTokenRequest(device.GetProperty("device_code").GetString()!))
            .Expect(HttpStatusCode.BadRequest);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_device_confirmation_posted_twice_explains_it_and_the_device_still_signs_in()
    {
        var (userName, password) = await Person(Roles.ModelOwner);
        var device = await app.CreateClient().PostAsync("/connect/device", DeviceRequest()).Expect(HttpStatusCode.OK);
        var userCode = device.GetProperty("user_code").GetString()!;
        var browser = Browser();
        using (var signedIn = await Forms.SignIn(browser, SignInEndpoints.Path, userName, password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        using var page = await browser.GetAsync($"/connect/verify?user_code={Uri.EscapeDataString(userCode)}");
        var antiforgery = Forms.AntiforgeryToken(await page.Content.ReadAsStringAsync());
        var confirmation = Form(("user_code", userCode), ("__RequestVerificationToken", antiforgery));
        using (var first = await browser.PostAsync("/connect/verify", confirmation))
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);

        // A double click, or a reload that posts the form again.
        using var second = await browser.PostAsync("/connect/verify", confirmation);

        var html = await second.Content.ReadAsStringAsync();
        Assert.True(second.StatusCode == HttpStatusCode.BadRequest, $"Expected 400 but got {(int)second.StatusCode}: {html}");
        Assert.Equal("text/html", second.Content.Headers.ContentType?.MediaType);
        Assert.Contains("already", html);
        var token = await app.CreateClient()
            .PostAsync("/connect/token", DeviceTokenRequest(device.GetProperty("device_code").GetString()!))
            .Expect(HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(token.GetProperty("access_token").GetString()));
        // A code that was never issued gets the form again, saying so.
        using var unknown = await browser.PostAsync(
            "/connect/verify",
            Form(("user_code", "BCDF-GHJK"), ("__RequestVerificationToken", antiforgery))
        );
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("not valid", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Signing_out_without_the_antiforgery_token_is_refused_and_the_session_stays()
    {
        var (userName, password) = await Person(Roles.Auditor);
        var browser = Browser();
        using (var signedIn = await Forms.SignIn(browser, SignInEndpoints.Path, userName, password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        await browser.PostAsync("/account/sign-out", Form()).ExpectProblem(HttpStatusCode.BadRequest, "antiforgery.invalid");

        using var stillSignedIn = await browser.GetAsync("/connect/verify");
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
        var token = Forms.AntiforgeryToken(await stillSignedIn.Content.ReadAsStringAsync());
        using var signedOut = await browser.PostAsync("/account/sign-out", Form(("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        using var toSignIn = await browser.GetAsync("/connect/verify");
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        Assert.StartsWith(SignInEndpoints.Path, toSignIn.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Signing_in_without_the_antiforgery_token_is_refused_and_signs_no_one_in()
    {
        var (userName, password) = await Person(Roles.Auditor);

        using var answer = await Browser().PostAsync(SignInEndpoints.Path, Form(("userName", userName), ("password", password)));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal(
            "antiforgery.invalid",
            JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()
        );
        Assert.False(answer.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("governance.identity=")));
    }

    [Fact]
    public async Task Failed_client_authentications_are_in_the_security_log()
    {
        var pipeline = await Client(ApiScopes.ApprovalsRead);
        var unknownClient = Scenario.NewId("ghost");
        var basic = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = Form(("grant_type", "client_credentials"), ("scope", "approvals:read")),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{pipeline.ClientId}:wrong-secret"))
        );

        await app.CreateClient()
            .PostAsync("/connect/token", ClientCredentialsRequest(pipeline.ClientId, "wrong"))
            .Expect(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().SendAsync(basic)).StatusCode);
        await app.CreateClient()
            .PostAsync("/connect/token", ClientCredentialsRequest(unknownClient, "x"))
            .Expect(HttpStatusCode.Unauthorized);

        var failed = await SecurityEvents("client_authentication_failed");
        Assert.Equal(
            2,
            failed.Count(e =>
                e.GetProperty("subject").GetString() == pipeline.ClientId
                && e.GetProperty("payload").GetProperty("failure").GetString() == "invalid_credentials"
            )
        );
        Assert.Single(
            failed,
            e =>
                e.GetProperty("subject").GetString() == "unknown-clients"
                && e.GetProperty("payload").GetProperty("clientId").GetString() == unknownClient
                && e.GetProperty("payload").GetProperty("failure").GetString() == "unknown_client"
        );
    }

    [Theory]
    [InlineData("/account/sign-in", "userName")]
    [InlineData("/account/sign-in", "password")]
    [InlineData("/connect/token", "client_id")]
    [InlineData("/connect/token", "client_secret")]
    [InlineData("/connect/token", "device_code")]
    [InlineData("/connect/token", "refresh_token")]
    [InlineData("/connect/token", "code_verifier")]
    [InlineData("/connect/device", "client_id")]
    [InlineData("/connect/verify", "user_code")]
    public async Task An_oversized_credential_field_is_refused_naming_it_and_nothing_is_logged(string path, string field)
    {
        var browser = Browser();
        var page = await (await browser.GetAsync(SignInEndpoints.Path)).Content.ReadAsStringAsync();
        var huge = Scenario.NewId("huge") + new string('x', 300 * 1024);
        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Forms.AntiforgeryToken(page),
            ["userName"] = "someone",
            ["password"] = "not-the-password",
            ["grant_type"] = "client_credentials",
            ["client_id"] = "governance-cli",
            [field] = huge,
        };
        var events = (await SecurityLog()).Count;

        var problem = await browser
            .PostAsync(path, new FormUrlEncodedContent(fields))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        var log = await SecurityLog();
        Assert.DoesNotContain(log.Skip(events), e => e.GetRawText().Contains(huge[..20]));
    }
}
