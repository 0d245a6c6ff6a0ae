using Governance.Api.Identity;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Governance.Api.Hosting;

/// <summary>Tells whoever ran ./gov run where to look once the host listens, and, in Development only, the credentials to act as each
/// role.</summary>
public static class StartupBanner
{
    public static void PrintWhenStarted(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address =
                app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? "http://127.0.0.1:5080";
            var lines = Lines(address, app.Services.GetService<DevelopmentIdentities.Credentials>());
            Console.WriteLine(string.Join(Environment.NewLine, lines) + Environment.NewLine);
        });

    /// <summary>What the banner says for the host at <paramref name="address"/>: the web UI first (where a person starts), then
    /// the API's addresses, and the development credentials when there are any.</summary>
    public static IReadOnlyList<string> Lines(string address, DevelopmentIdentities.Credentials? credentials)
    {
        var approvalCheck =
            $"{address}/api/v1/approvals/check?model=credit-scoring-de&version=1.1.0&digest=sha256:...&environment=production";
        var lines = new List<string>
        {
            "",
            "Governance is running.",
            $"  Web UI (sign in below):   {address}/",
            $"  API reference (Scalar):   {address}/docs",
            $"  OpenAPI document:         {address}/openapi/v1.json",
            $"  Model inventory:          GET {address}/api/v1/inventory",
            $"  Approval check:           GET {approvalCheck}",
        };
        if (credentials is not null)
        {
            lines.Add("  Development sign-in (stored in .data/development-credentials.json; Development only):");
            lines.AddRange(credentials.People.Select(p => $"    {p.Role, -19} user {p.UserName, -8} password {p.Password}"));
            lines.AddRange(
                credentials.Clients.Select(c => $"    client {c.ClientId, -24} secret {c.Secret}  scopes {string.Join(' ', c.Scopes)}")
            );
            var pipeline = credentials.Clients[0];
            lines.Add("  A pipeline's token and approval check:");
            lines.Add(
                $"    TOKEN=$(curl -s {address}/connect/token -d grant_type=client_credentials -d client_id={pipeline.ClientId} -d "
                    + $"client_secret={pipeline.Secret} -d scope=approvals:read | jq -r .access_token)"
            );
            lines.Add($"    curl -s -H \"Authorization: Bearer $TOKEN\" '{approvalCheck}'");
        }
        return lines;
    }
}
