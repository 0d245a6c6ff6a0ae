using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

/// <summary>
/// The product's own public clients, registered at start in every environment: the web UI (authorization code + PKCE,
/// redirect URIs from Governance:Identity:UiRedirectUris) and the command line tool (device flow). Public clients have no secret.
/// </summary>
public sealed class FirstPartyClients(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    public const string WebUi = "governance-ui";
    public const string Cli = "governance-cli";

    /// <summary>The web UI's redirect URIs: Governance:Identity:UiRedirectUris (absolute URIs), else <c>signin-oidc</c> under
    /// Governance:PublicUrl.</summary>
    public static IReadOnlyList<Uri> UiRedirectUris(IConfiguration configuration) =>
        configuration.GetSection("Governance:Identity:UiRedirectUris").Get<string[]>() is { } configured
            ? configured.Select(uri => new Uri(uri)).ToArray()
            : [new Uri(IdentitySetup.PublicUrl(configuration), "signin-oidc")];

    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        // Nodes starting together register the clients one after another; the later ones update what the first created.
        await IdentityDb.OneNodeAtATimeAsync(
            scope.ServiceProvider.GetRequiredService<IdentityDb>(),
            _ => RegisterAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), ct),
            ct
        );
    }

    private async Task RegisterAsync(IOpenIddictApplicationManager applications, CancellationToken ct)
    {
        string[] personScopes =
        [
            Scopes.OpenId,
            Scopes.Profile,
            Scopes.Roles,
            Scopes.OfflineAccess,
            ApiScopes.LedgerRead,
            ApiScopes.LedgerWrite,
            ApiScopes.ApprovalsRead,
        ];

        var ui = new OpenIddictApplicationDescriptor
        {
            ClientId = WebUi,
            DisplayName = "Governance web UI",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in UiRedirectUris(configuration))
            ui.RedirectUris.Add(uri);
        await Upsert(applications, ui, personScopes, ct);

        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = Cli,
            DisplayName = "Governance command line",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            Permissions =
            {
                Permissions.Endpoints.DeviceAuthorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.DeviceCode,
                Permissions.GrantTypes.RefreshToken,
            },
        };
        await Upsert(applications, cli, personScopes, ct);
    }

    private static async Task Upsert(
        IOpenIddictApplicationManager applications,
        OpenIddictApplicationDescriptor descriptor,
        string[] scopes,
        CancellationToken ct
    )
    {
        foreach (var scope in scopes.Where(s => s is not (Scopes.OpenId or Scopes.OfflineAccess)))
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, ct);
        if (existing is null)
            await applications.CreateAsync(descriptor, ct);
        else
            await applications.UpdateAsync(existing, descriptor, ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
