using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Governance.Cli;

/// <summary>A person's tokens from 'governance login', per server, in a file only the user can read.</summary>
public sealed class TokenCache(string path)
{
    public sealed record Entry(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

    public static TokenCache Default() =>
        new(
            System.IO.Path.Combine(
                Environment.GetEnvironmentVariable("GOVERNANCE_CONFIG_DIR")
                    ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "governance"),
                "tokens.json"
            )
        );

    public Entry? Get(string server) =>
        File.Exists(path)
        && JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path))?.GetValueOrDefault(server) is { } entry
            ? entry
            : null;

    /// <summary>The file the tokens are kept in: <c>$GOVERNANCE_CONFIG_DIR/tokens.json</c>, by default
    /// <c>~/.config/governance/tokens.json</c>.</summary>
    public string Path => path;

    public void Put(string server, Entry entry) => Save(all => all[server] = entry);

    /// <summary>Forgets the tokens of <paramref name="server"/>; true when there were any.</summary>
    public bool Remove(string server)
    {
        if (Get(server) is null)
            return false;
        Save(all => all.Remove(server));
        return true;
    }

    private void Save(Action<Dictionary<string, Entry>> change)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var all = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? new() : new();
        change(all);
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, JsonSerializer.Serialize(all));
    }
}

/// <summary>The ledger over HTTP: authenticates (client credentials, or the cached device-flow login) and turns answers into exit
/// codes.</summary>
public sealed class LedgerConnection(
    HttpClient http,
    string server,
    string? clientId,
    string? clientSecret,
    TokenCache tokens,
    string? correlationId
)
{
    public const string CliClientId = "governance-cli";
    public const string PersonScopes = "openid offline_access ledger:read ledger:write approvals:read";

    /// <summary>The scope a machine client asks for to write as the first line (datasets, versions) on models that name it a
    /// delegate; the same endpoints take a person's ledger:write, which machine clients are refused.</summary>
    public const string FirstLineWriteScope = "models:write";

    public string Server => server;

    /// <summary>True when the caller is a machine client (client credentials), false for a person signed in with the device flow.</summary>
    public bool IsMachine => clientId is not null;

    /// <summary>The machine client's id, or null for a person.</summary>
    public string? ClientId => clientId;

    /// <summary>Whether the token endpoint grants this machine client <paramref name="scope"/> (its registration lists it).</summary>
    /// <exception cref="CliFailure">Exit 2: the endpoint is unreachable, or refuses the client's credentials.</exception>
    public async Task<bool> ClientHoldsScopeAsync(string scope, CancellationToken ct)
    {
        var answer = await ClientToken(scope, ct);
        return answer.AccessToken is not null
            || (
                // OpenIddict answers invalid_request ("not allowed to use the specified scope") for a scope the client was not
                // given; RFC 6749 names it invalid_scope.
                answer.Error
                    is "invalid_scope"
                        or "invalid_request"
                    ? false
                    : throw new CliFailure(
                        ExitCodes.ServerOrAuth,
                        answer.Error ?? "token_refused",
                        $"The token endpoint refused client '{clientId}': {answer.ErrorDescription ?? answer.Error}"
                    )
            );
    }

    /// <summary>Signs the person out of <see cref="Server"/> on this machine: forgets the cached tokens (the ledger has no
    /// revocation endpoint; a refresh token already copied elsewhere stays usable until it expires or is used once by its
    /// holder). False when nobody was signed in to this server.</summary>
    public bool Logout() => tokens.Remove(server);

    public sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription
    );

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpMethod method,
        string path,
        object? body,
        string scopes,
        string? idempotencyKey,
        CancellationToken ct
    )
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(scopes, ct));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (correlationId is not null)
            request.Headers.Add("X-Correlation-Id", correlationId);
        using var response = await Transport(() => http.SendAsync(request, ct));
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw new CliFailure(
                ExitCodes.ServerOrAuth,
                "unauthorized",
                "The ledger did not accept the credentials (expired login or wrong client secret)."
            );
        if ((int)response.StatusCode >= 500)
            throw new CliFailure(ExitCodes.ServerOrAuth, "server_error", $"The ledger failed ({(int)response.StatusCode}): {text}");
        var json =
            text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false)
                ? JsonDocument.Parse(text).RootElement.Clone()
                : default;
        return (response.StatusCode, json);
    }

    /// <summary>A refusal from the ledger (RFC 9457 problem) as the exit code a pipeline branches on.</summary>
    public static CliFailure Refusal(HttpStatusCode status, JsonElement problem)
    {
        var code =
            problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("code", out var c) ? c.GetString() ?? "refused" : "refused";
        var detail = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
        var exit =
            status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound ? ExitCodes.InvalidInput
            : status is HttpStatusCode.Forbidden or HttpStatusCode.Conflict ? ExitCodes.Denied
            : ExitCodes.ServerOrAuth;
        var errors =
            problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var e)
                ? " ("
                    + string.Join(
                        "; ",
                        e.EnumerateObject()
                            .Select(f => $"{f.Name}: {string.Join(", ", f.Value.EnumerateArray().Select(m => m.GetString()))}")
                    )
                    + ")"
                : "";
        return new CliFailure(
            exit,
            code,
            $"{(int)status} {code}: {detail ?? status.ToString()}{errors}",
            problem.ValueKind == JsonValueKind.Undefined ? null : problem
        );
    }

    private async Task<string> TokenAsync(string scopes, CancellationToken ct)
    {
        if (clientId is not null)
        {
            var answer = await ClientToken(scopes, ct);
            return answer.AccessToken
                ?? throw new CliFailure(
                    ExitCodes.ServerOrAuth,
                    answer.Error ?? "token_refused",
                    $"The token endpoint refused client '{clientId}': {answer.ErrorDescription ?? answer.Error}"
                );
        }
        var cached =
            tokens.Get(server)
            ?? throw new CliFailure(
                ExitCodes.ServerOrAuth,
                "not_signed_in",
                "Not signed in: run 'governance login', or set GOVERNANCE_CLIENT_ID and GOVERNANCE_CLIENT_SECRET."
            );
        if (cached.ExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30))
            return cached.AccessToken;
        if (cached.RefreshToken is null)
            throw new CliFailure(ExitCodes.ServerOrAuth, "login_expired", "The login has expired: run 'governance login' again.");
        var refreshed = await PostForm(
            "connect/token",
            new()
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = CliClientId,
                ["refresh_token"] = cached.RefreshToken,
            },
            ct
        );
        if (refreshed.AccessToken is null)
            throw new CliFailure(ExitCodes.ServerOrAuth, "login_expired", "The login has expired: run 'governance login' again.");
        tokens.Put(
            server,
            new TokenCache.Entry(
                refreshed.AccessToken,
                refreshed.RefreshToken ?? cached.RefreshToken,
                DateTimeOffset.UtcNow.AddSeconds(refreshed.ExpiresIn)
            )
        );
        return refreshed.AccessToken;
    }

    private Task<TokenAnswer> ClientToken(string scopes, CancellationToken ct) =>
        PostForm(
            "connect/token",
            new()
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId!,
                ["client_secret"] = clientSecret ?? "",
                ["scope"] = scopes,
            },
            ct
        );

    /// <summary>The device flow: show the code, wait for the person to confirm it in a browser, keep the tokens.</summary>
    public async Task LoginAsync(TextWriter output, TimeSpan timeout, CancellationToken ct)
    {
        using var device = await Transport(() =>
            http.PostAsync(
                "connect/device",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["client_id"] = CliClientId, ["scope"] = PersonScopes }),
                ct
            )
        );
        var started = JsonDocument.Parse(await device.Content.ReadAsStringAsync(ct)).RootElement;
        if (!device.IsSuccessStatusCode)
            throw new CliFailure(ExitCodes.ServerOrAuth, "device_refused", $"The ledger refused the device sign-in: {started}");
        var verification = started.TryGetProperty("verification_uri_complete", out var complete)
            ? complete.GetString()
            : started.GetProperty("verification_uri").GetString();
        output.WriteLine($"To sign in, open {verification} and confirm the code {started.GetProperty("user_code").GetString()}");
        var interval = TimeSpan.FromSeconds(started.TryGetProperty("interval", out var i) ? i.GetInt32() : 5);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(interval, ct);
            var answer = await PostForm(
                "connect/token",
                new()
                {
                    ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
                    ["client_id"] = CliClientId,
                    ["device_code"] = started.GetProperty("device_code").GetString()!,
                },
                ct
            );
            if (answer.AccessToken is not null)
            {
                tokens.Put(
                    server,
                    new TokenCache.Entry(answer.AccessToken, answer.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(answer.ExpiresIn))
                );
                return;
            }
            if (answer.Error == "slow_down")
                interval += TimeSpan.FromSeconds(5);
            else if (answer.Error != "authorization_pending")
                throw new CliFailure(
                    ExitCodes.ServerOrAuth,
                    answer.Error ?? "device_refused",
                    $"The sign-in did not complete: {answer.ErrorDescription ?? answer.Error}"
                );
        }
        throw new CliFailure(ExitCodes.ServerOrAuth, "login_timeout", $"No confirmation within {timeout.TotalSeconds:F0} s.");
    }

    private async Task<TokenAnswer> PostForm(string path, Dictionary<string, string> form, CancellationToken ct)
    {
        using var response = await Transport(() => http.PostAsync(path, new FormUrlEncodedContent(form), ct));
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            throw new CliFailure(
                ExitCodes.ServerOrAuth,
                "token_endpoint_failed",
                $"The token endpoint answered {(int)response.StatusCode}."
            );
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>(ct))!;
    }

    private async Task<HttpResponseMessage> Transport(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new CliFailure(ExitCodes.ServerOrAuth, "ledger_unreachable", $"The ledger at {server} could not be reached: {e.Message}");
        }
    }

    public static string IdempotencyKey(params object?[] parts) =>
        "cli-"
        + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u001f", parts))))[
            ..32
        ];
}
