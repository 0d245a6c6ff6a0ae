using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// The product on a real port in Development, for programs run as separate processes (the CLI, the Python client, the
/// shell of docs/pipelines.md): its development people sign in for real, through the sign-in page and the device flow.
/// A walkthrough makes more credential requests in a minute than one person does, so the per-address limit is raised.
/// </summary>
public sealed class LiveLedgerApp : BrowserApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Governance:RateLimits:CredentialsPerMinute", "2000");
    }

    /// <summary>Starts the server once for every test class sharing this instance.</summary>
    public void EnsureStarted()
    {
        lock (this)
            if (Address.Length == 0)
                Start();
    }

    /// <summary>The development people's passwords, as ./gov run prints them.</summary>
    public string CredentialsFile => Path.Combine(DataFolder, "development-credentials.json");

    /// <summary>A client of the live server (CreateClient's default address is TestServer's <c>http://localhost</c>), following
    /// redirects; a browser also keeps cookies.</summary>
    public HttpClient Live(bool browser = false) =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(Address + "/"), HandleCookies = browser });

    /// <summary>
    /// What <paramref name="userName"/> does in a browser when a device shows them <paramref name="userCode"/>: opens the
    /// confirmation page, signs in on the sign-in page (antiforgery token included) and confirms the code.
    /// </summary>
    public async Task ConfirmDeviceAsync(string userCode, string userName)
    {
        var (_, password) = Person(userName);
        var browser = Live(browser: true);
        // The confirmation page sends a person who is not signed in to the sign-in page, which sends them back.
        var signIn = await Page(browser.GetAsync($"/connect/verify?user_code={Uri.EscapeDataString(userCode)}"));
        var confirm = await Page(
            browser.PostAsync(
                "/account/sign-in",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["userName"] = userName,
                        ["password"] = password,
                        ["returnUrl"] = Forms.ReturnUrl(signIn),
                        ["__RequestVerificationToken"] = Forms.AntiforgeryToken(signIn),
                    }
                )
            )
        );
        await Page(
            browser.PostAsync(
                "/connect/verify",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["user_code"] = userCode,
                        ["__RequestVerificationToken"] = Forms.AntiforgeryToken(confirm),
                    }
                )
            )
        );
    }

    private static async Task<string> Page(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {html}");
        return html;
    }

    /// <summary>An API client acting as <paramref name="userName"/> with a token of the device flow, as the CLI gets it.</summary>
    public async Task<HttpClient> PersonAsync(string userName)
    {
        var device = await Live()
            .PostAsync(
                "/connect/device",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["client_id"] = "governance-cli",
                        ["scope"] = "openid ledger:read ledger:write approvals:read",
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
        await ConfirmDeviceAsync(device.GetProperty("user_code").GetString()!, userName);
        var token = await Live()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
                        ["client_id"] = "governance-cli",
                        ["device_code"] = device.GetProperty("device_code").GetString()!,
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
        var client = Live();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>An administrator registers a machine client; returns its secret.</summary>
    public async Task<string> RegisterClientAsync(HttpClient admin, string clientId, string displayName, string[] roles, string[] scopes)
    {
        var made = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/clients",
                new
                {
                    clientId,
                    displayName,
                    roles,
                    scopes,
                }
            )
            .Expect(HttpStatusCode.Created);
        return made.GetProperty("clientSecret").GetString()!;
    }

    /// <summary>A risk officer's sign-off of a pending approval, restating its digest and environment.</summary>
    public static Task<JsonElement> SignOffAsync(HttpClient officer, JsonElement approval) =>
        officer
            .PostAsJsonAsync(
                $"/api/v1/models/{approval.GetProperty("modelId").GetString()}/versions/{approval.GetProperty("version").GetString()}"
                    + $"/approvals/{approval.GetProperty("id").GetString()}/sign-offs",
                new
                {
                    artifactDigest = approval.GetProperty("artifactDigest").GetString(),
                    environment = approval.GetProperty("environment").GetString(),
                    rationale = "Validated; within the bank's risk appetite",
                    conditions = Array.Empty<string>(),
                    expiresAt = DateTimeOffset.UtcNow.AddDays(90),
                }
            )
            .Expect(HttpStatusCode.OK);
}

/// <summary>The programs run as separate processes share one live server (and run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class LiveLedgerCollection : ICollectionFixture<LiveLedgerApp>
{
    public const string Name = "live ledger";
}
