using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Attestations;

namespace Governance.Serving;

/// <summary>A report for the ledger about one model version: a load after verification, or a refusal.</summary>
public sealed record LoadOutcome(string Model, string Version, ModelLoadReport Report);

/// <summary>
/// A served model's passing re-verification, for the ledger's last-verified record of this host (<c>POST
/// /api/v1/models/{model}/versions/{version}/verifications</c>): operational telemetry, not an event of the version.
/// </summary>
public sealed record VerificationOutcome(string Model, string Version, VerificationReport Report);

/// <summary>The body of a verification report: where, by which host, of which artifact, under which approval (the ones its
/// load was reported with).</summary>
public sealed record VerificationReport(string Environment, string Host, string ArtifactDigest, string ApprovalId);

/// <summary>The calls a model server makes to the ledger.</summary>
public interface ILedgerClient
{
    /// <summary>Null when the ledger does not know the approval.</summary>
    Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct);
    Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct);
    Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct);
    Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct);

    /// <summary>Tells the ledger that a served model passed its periodic re-verification.</summary>
    Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct);

    /// <summary>Records a monitoring report of the served version (<c>POST .../monitoring-reports</c>; body
    /// <c>{environment, report, reason}</c>, judged against the approval's signed plan).</summary>
    /// <returns>The ledger's answer: the recorded report and the breach it applied, if any.</returns>
    /// <exception cref="InvalidOperationException">The ledger refused the report (its problem in the message).</exception>
    /// <exception cref="LedgerUnreachableException">The ledger could not be reached.</exception>
    Task<JsonElement> RecordMonitoringReportAsync(string model, string version, string environment, JsonElement body, CancellationToken ct);
}

/// <summary>Raised when the ledger cannot be asked (network failure, timeout, 5xx), as opposed to it answering "no".</summary>
public sealed class LedgerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The ledger over HTTP, authenticated as a machine client (client credentials) with approvals:read and loads:write.
/// The access token is cached until shortly before it expires.
/// </summary>
public sealed class HttpLedgerClient(HttpClient http, HttpLedgerClient.Credentials? credentials = null) : ILedgerClient
{
    public sealed record Credentials(string ClientId, string ClientSecret);

    private string? _token;
    private DateTimeOffset _tokenExpires;
    private readonly SemaphoreSlim _tokenGate = new(1, 1);

    public async Task<ApprovalStatusAnswer?> GetApprovalStandingAsync(string approvalId, CancellationToken ct)
    {
        using var response = await Send(HttpMethod.Get, $"api/v1/approvals/{Uri.EscapeDataString(approvalId)}/status", null, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        await EnsureAnswered(response);
        return await response.Content.ReadFromJsonAsync<ApprovalStatusAnswer>(ct);
    }

    public async Task<JwkSet> GetAttestationKeysAsync(CancellationToken ct)
    {
        using var response = await Send(HttpMethod.Get, "api/v1/attestation-keys", null, ct);
        await EnsureAnswered(response);
        return (await response.Content.ReadFromJsonAsync<JwkSet>(ct))!;
    }

    public async Task<byte[]> GetAttestationAsync(string approvalId, CancellationToken ct)
    {
        using var response = await Send(HttpMethod.Get, $"api/v1/approvals/{Uri.EscapeDataString(approvalId)}/attestation", null, ct);
        await EnsureAnswered(response);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    public async Task ReportLoadAsync(LoadOutcome outcome, CancellationToken ct)
    {
        using var response = await Send(
            HttpMethod.Post,
            $"api/v1/models/{Uri.EscapeDataString(outcome.Model)}/versions/{Uri.EscapeDataString(outcome.Version)}/loads",
            JsonContent.Create(outcome.Report),
            ct
        );
        await EnsureAnswered(response);
    }

    public async Task ReportVerifiedAsync(VerificationOutcome outcome, CancellationToken ct)
    {
        using var response = await Send(
            HttpMethod.Post,
            $"api/v1/models/{Uri.EscapeDataString(outcome.Model)}/versions/{Uri.EscapeDataString(outcome.Version)}/verifications",
            JsonContent.Create(outcome.Report),
            ct
        );
        await EnsureAnswered(response);
    }

    public async Task<JsonElement> RecordMonitoringReportAsync(
        string model,
        string version,
        string environment,
        JsonElement body,
        CancellationToken ct
    )
    {
        using var response = await Send(
            HttpMethod.Post,
            $"api/v1/models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(version)}/monitoring-reports",
            JsonContent.Create(body),
            ct
        );
        await EnsureAnswered(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            if (credentials is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Token(ct));
            return await http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new LedgerUnreachableException($"The ledger at {http.BaseAddress} could not be reached: {e.Message}", e);
        }
    }

    private static async Task EnsureAnswered(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
            throw new LedgerUnreachableException($"The ledger answered {(int)response.StatusCode}.");
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"The ledger refused the request ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}"
            );
    }

    private async Task<string> Token(CancellationToken ct)
    {
        await _tokenGate.WaitAsync(ct);
        try
        {
            if (_token is not null && DateTimeOffset.UtcNow < _tokenExpires)
                return _token;
            using var response = await http.PostAsync(
                "connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = credentials!.ClientId,
                        ["client_secret"] = credentials.ClientSecret,
                        ["scope"] = "approvals:read loads:write",
                    }
                ),
                ct
            );
            await EnsureAnswered(response);
            var token = (await response.Content.ReadFromJsonAsync<TokenResponse>(ct))!;
            _token = token.AccessToken;
            _tokenExpires = DateTimeOffset.UtcNow.AddSeconds(Math.Max(30, token.ExpiresIn - 30));
            return _token;
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    private sealed record TokenResponse(
        [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn
    );
}
