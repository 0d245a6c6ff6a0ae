using System.Security.Cryptography;
using System.Text.Json;
using Governance.Domain.Shared;
using Governance.Ledger.Development;
using Microsoft.AspNetCore.Identity;

namespace Governance.Api.Identity;

/// <summary>
/// Development only: one person per role and three machine clients, with passwords and secrets generated once into the
/// git-ignored data folder (development-credentials.json) and printed by ./gov run. Nothing like it runs outside Development.
/// </summary>
public sealed class DevelopmentIdentities(IServiceProvider services, DevelopmentIdentities.Credentials credentials) : IHostedService
{
    public sealed record Person(string Subject, string UserName, string DisplayName, string Role, string Password);

    public sealed record Machine(string ClientId, string DisplayName, IReadOnlyList<string> Scopes, string Secret);

    public sealed record Credentials(IReadOnlyList<Person> People, IReadOnlyList<Machine> Clients);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The machine clients every development ledger has: the deployment pipeline, the model server and the metrics
    /// scraper (Prometheus, docs/operations.md).</summary>
    private static IEnumerable<Machine> Machines() =>
        [
            new Machine(
                DevelopmentParties.Pipeline.Subject,
                DevelopmentParties.Pipeline.Name,
                [ApiScopes.ApprovalsRead, ApiScopes.DeploymentsWrite],
                Accounts.NewSecret()
            ),
            new Machine(
                "governance-model-server",
                "Model server (scoring host)",
                [ApiScopes.ApprovalsRead, ApiScopes.LoadsWrite],
                Accounts.NewSecret()
            ),
            new Machine("governance-metrics", "Metrics scraper (Prometheus)", [ApiScopes.MetricsRead], Accounts.NewSecret()),
        ];

    /// <summary>Reads the data folder's credentials, creating them on first use; a client added by a later release is added
    /// to an existing file (people and secrets already there are kept).</summary>
    public static Credentials LoadOrCreate(string dataFolder)
    {
        var path = Path.Combine(dataFolder, "development-credentials.json");
        var existing = File.Exists(path) ? JsonSerializer.Deserialize<Credentials>(File.ReadAllText(path), Json)! : null;
        var missing = Machines().Where(m => existing?.Clients.Any(c => c.ClientId == m.ClientId) != true).ToArray();
        if (existing is not null && missing.Length == 0)
            return existing;
        Directory.CreateDirectory(dataFolder);
        var credentials = new Credentials(
            existing?.People
                ?? DevelopmentParties.People.Select(p => new Person(p.Subject, p.UserName, p.Name, p.Role, Password())).ToArray(),
            [.. existing?.Clients ?? [], .. missing]
        );
        File.WriteAllText(path, JsonSerializer.Serialize(credentials, Json));
        return credentials;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
        var accounts = scope.ServiceProvider.GetRequiredService<Accounts>();
        var applications = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
        var seed = new Actor(Subjects.SystemPrefix + "development-seed", Roles.Admin);
        foreach (var person in credentials.People)
            if (await users.FindByIdAsync(person.Subject) is null)
                await accounts.CreateUserAsync(
                    new NewUser(person.UserName, person.DisplayName, null, person.Password, [person.Role]),
                    seed,
                    null,
                    ct,
                    id: person.Subject
                );
        foreach (var client in credentials.Clients)
            if (await applications.FindByClientIdAsync(client.ClientId, ct) is null)
                await accounts.RegisterClientAsync(
                    new NewClient(client.ClientId, client.DisplayName, client.Scopes, [Roles.DeploymentPipeline]),
                    seed,
                    null,
                    ct,
                    client.Secret
                );
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Random, and meets the password policy (12+ characters, 4+ distinct).</summary>
    private static string Password() => "Dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
