using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Cli;

/// <summary>
/// The API as its own process on the benchmark's database (Development, so it makes its development people), and one
/// development person (the auditor unless told otherwise) signed in to it the way <c>governance login</c> does: the device
/// flow, confirmed on the server's own sign-in and confirmation pages as a browser would. The token lands in a CLI token
/// cache, so <c>ledger verify</c> reads the API like an auditor's terminal does. Several started on one folder share its
/// development keys and people: nodes of one deployment.
/// </summary>
internal sealed partial class ApiAuditor : IAsyncDisposable
{
    private readonly Process _api;
    private readonly string _folder;

    /// <summary>The API's base address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public string Server { get; }

    /// <summary>The signed-in person's access token (empty when nobody signed in).</summary>
    public string AccessToken { get; private set; } = "";

    /// <summary>The development people's and clients' credentials (development-credentials.json).</summary>
    public JsonElement Credentials { get; private set; }

    /// <summary>The folder to give the CLI as GOVERNANCE_CONFIG_DIR.</summary>
    public string ConfigFolder => Path.Combine(_folder, "cli");

    private ApiAuditor(Process api, string folder, string server) => (_api, _folder, Server) = (api, folder, server);

    /// <summary>Starts the API (the build output beside this one) on <paramref name="connection"/> and signs the development person
    /// of <paramref name="role"/> in (nobody when null).</summary>
    /// <exception cref="InvalidOperationException">The API did not become ready within two minutes, or a sign-in step failed.</exception>
    public static async Task<ApiAuditor> StartAsync(string connection, string folder, string? role = "Auditor")
    {
        var dll = Path.GetFullPath(
            Path.Combine(AppContext.BaseDirectory, "../../../../Governance.Api/bin/Release/net10.0/Governance.Api.dll")
        );
        var port = 5190 + Random.Shared.Next(0, 500);
        var server = $"http://127.0.0.1:{port}/";
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", server.TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["GOVERNANCE_DB"] = connection;
        start.Environment["Governance__DataFolder"] = Path.Combine(folder, "api-data");
        start.Environment["Governance__PublicUrl"] = server;
        // Nothing but the audit pages should use the machine while verify runs.
        start.Environment["Governance__Reconciliation__IntervalSeconds"] = "0";
        start.Environment["Governance__Webhooks__Deliver"] = "false";
        var api = Process.Start(start)!;
        api.OutputDataReceived += (_, _) => { };
        api.ErrorDataReceived += (_, _) => { };
        api.BeginOutputReadLine();
        api.BeginErrorReadLine();
        var auditor = new ApiAuditor(api, folder, server);
        try
        {
            await auditor.WaitReadyAsync();
            auditor.Credentials = JsonDocument
                .Parse(await File.ReadAllTextAsync(Path.Combine(folder, "api-data", "development-credentials.json")))
                .RootElement;
            if (role is not null)
                await auditor.SignInAsync(role);
            return auditor;
        }
        catch
        {
            await auditor.DisposeAsync();
            throw;
        }
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Server) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_api.HasExited)
                throw new InvalidOperationException($"The API exited with {_api.ExitCode} before it was ready.");
            try
            {
                if ((await http.GetAsync("health/ready")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(500);
        }
        throw new InvalidOperationException("The API was not ready within two minutes.");
    }

    private async Task SignInAsync(string role)
    {
        var auditor = Credentials.GetProperty("people").EnumerateArray().First(p => p.GetProperty("role").GetString() == role);
        var (userName, password) = (auditor.GetProperty("userName").GetString()!, auditor.GetProperty("password").GetString()!);

        using var device = new HttpClient { BaseAddress = new Uri(Server) };
        var started = await Json(
            device.PostAsync("connect/device", Form(("client_id", LedgerConnection.CliClientId), ("scope", LedgerConnection.PersonScopes)))
        );
        var userCode = started.GetProperty("user_code").GetString()!;

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(Server),
        };
        var signIn = await Page(browser.GetAsync($"connect/verify?user_code={Uri.EscapeDataString(userCode)}"));
        var confirm = await Page(
            browser.PostAsync(
                "account/sign-in",
                Form(
                    ("userName", userName),
                    ("password", password),
                    ("returnUrl", WebUtility.HtmlDecode(ReturnUrl().Match(signIn).Groups[1].Value)),
                    ("__RequestVerificationToken", Antiforgery(signIn))
                )
            )
        );
        await Page(
            browser.PostAsync("connect/verify", Form(("user_code", userCode), ("__RequestVerificationToken", Antiforgery(confirm))))
        );

        var token = await Json(
            device.PostAsync(
                "connect/token",
                Form(
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", LedgerConnection.CliClientId),
                    ("device_code", started.GetProperty("device_code").GetString()!)
                )
            )
        );
        AccessToken = token.GetProperty("access_token").GetString()!;
        new TokenCache(Path.Combine(ConfigFolder, "tokens.json")).Put(
            Server,
            new TokenCache.Entry(
                AccessToken,
                token.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
                DateTimeOffset.UtcNow.AddSeconds(token.GetProperty("expires_in").GetInt32())
            )
        );
    }

    internal static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private static string Antiforgery(string html) => WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);

    private static async Task<string> Page(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var html = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? html
            : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");
    }

    internal static async Task<JsonElement> Json(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return response.IsSuccessStatusCode
            ? body
            : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_api.HasExited)
        {
            _api.Kill(entireProcessTree: true);
            await _api.WaitForExitAsync();
        }
        _api.Dispose();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrl();
}
