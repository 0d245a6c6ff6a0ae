using System.Security.Cryptography;
using System.Text.Json;
using Governance.Domain.Security;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

public sealed record NewUser(string? UserName, string? DisplayName, string? Email, string? Password, IReadOnlyList<string>? Roles);

public sealed record NewClient(string? ClientId, string? DisplayName, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Roles);

/// <summary>A client's secret, shown once at registration or rotation; only its hash is stored.</summary>
public sealed record ClientCredentials(string ClientId, string ClientSecret, IReadOnlyList<string> Scopes, IReadOnlyList<string> Roles);

/// <summary>
/// Creates users and machine clients and changes their roles and secrets, recording each change in the security log.
/// Used by the admin API, the command-line bootstrap and the development seed, so all three follow the same rules.
/// </summary>
public sealed class Accounts(
    UserManager<GovernanceUser> users,
    IOpenIddictApplicationManager applications,
    SecurityLogWriter log,
    AccessPolicy access,
    AccessChanges changes
)
{
    /// <summary>Scopes a machine client may be granted: pipelines and model servers, and training pipelines that register datasets
    /// and versions of models delegating to them (models:write, role ModelOwner). Machines report; people decide.</summary>
    public static readonly IReadOnlyList<string> MachineScopes =
    [
        ApiScopes.ApprovalsRead,
        ApiScopes.DeploymentsWrite,
        ApiScopes.LoadsWrite,
        ApiScopes.ModelsWrite,
        ApiScopes.MetricsRead,
    ];

    /// <summary>What the administrator is told when one person is given conflicting roles (<see cref="Roles.Conflicts"/>); with
    /// Governance:Access:ConflictingRoles = Refuse such a grant is refused instead.</summary>
    public static IReadOnlyList<string> ConflictWarnings(IEnumerable<string>? roles) => Roles.Conflicts(roles ?? []);

    public async Task<GovernanceUser> CreateUserAsync(
        NewUser request,
        Actor actor,
        HttpContext? http,
        CancellationToken ct,
        string? id = null
    )
    {
        var check = new InputCheck()
            .Required(request.UserName, "userName", 256)
            .Required(request.DisplayName, "displayName", 200)
            .Optional(request.Email, "email", 256)
            .Required(request.Password, "password", 256);
        CheckRoles(check, request.Roles, "roles", required: true);
        CheckConflicts(check, request.Roles);
        check.ThrowIfAny();

        var user = new GovernanceUser
        {
            UserName = request.UserName!.Trim(),
            DisplayName = request.DisplayName!.Trim(),
            Email = request.Email,
            LockoutEnabled = true,
        };
        if (id is not null)
            user.Id = id;
        Throw(await users.CreateAsync(user, request.Password!), "password");
        Throw(await users.AddToRolesAsync(user, request.Roles!.Distinct()), "roles");
        await log.RecordAsync(
            new UserCreated(user.Id, request.Roles!.Distinct().ToArray(), log.Audit(http, actor, "User account created")),
            ct
        );
        return user;
    }

    public async Task<(IReadOnlyList<string> Added, IReadOnlyList<string> Removed)> SetRolesAsync(
        string userId,
        IReadOnlyList<string>? roles,
        Actor actor,
        HttpContext? http,
        CancellationToken ct
    )
    {
        var check = new InputCheck();
        CheckRoles(check, roles, "roles", required: false);
        CheckConflicts(check, roles);
        check.ThrowIfAny();
        var user = await users.FindByIdAsync(userId) ?? throw GovernanceRuleException.NotFound("user.not_found", $"No user {userId}.");
        var current = await users.GetRolesAsync(user);
        var wanted = roles!.Distinct().ToArray();
        var added = wanted.Except(current).ToArray();
        var removed = current.Except(wanted).ToArray();
        Throw(await users.RemoveFromRolesAsync(user, removed), "roles");
        Throw(await users.AddToRolesAsync(user, added), "roles");
        if (added.Length + removed.Length > 0)
        {
            // The new roles apply to the person's next request on every node, whatever tokens or pages they hold.
            await changes.PublishAsync(CurrentAccess.UserKey(user.Id), ct);
            await log.RecordAsync(new UserRolesChanged(user.Id, added, removed, log.Audit(http, actor, "Roles changed")), ct);
        }
        return (added, removed);
    }

    public async Task<ClientCredentials> RegisterClientAsync(
        NewClient request,
        Actor actor,
        HttpContext? http,
        CancellationToken ct,
        string? secret = null
    )
    {
        var check = new InputCheck().Slug(request.ClientId, "clientId").Required(request.DisplayName, "displayName", 200);
        if (request.Scopes is not { Count: > 0 })
            check.Fail("scopes", $"must list at least one of: {string.Join(", ", MachineScopes)}");
        else if (request.Scopes.Except(MachineScopes).Any())
            check.Fail("scopes", $"may only contain: {string.Join(", ", MachineScopes)}");
        var roles = request.Roles is { Count: > 0 } ? request.Roles : [Domain.Shared.Roles.DeploymentPipeline];
        CheckRoles(check, roles, "roles", required: true);
        if (roles.Except(Domain.Shared.Roles.ForMachines).Any())
            check.Fail(
                "roles",
                $"a machine client may only hold {string.Join(" or ", Domain.Shared.Roles.ForMachines)}: validation, approval, audit "
                    + "and administration need a person"
            );
        check.ThrowIfAny();
        if (await applications.FindByClientIdAsync(request.ClientId!, ct) is not null)
            throw GovernanceRuleException.Conflict("client.already_registered", $"Client '{request.ClientId}' is already registered.");

        secret ??= NewSecret();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = request.ClientId,
            ClientSecret = secret,
            DisplayName = request.DisplayName!.Trim(),
            ClientType = ClientTypes.Confidential,
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
        };
        foreach (var scope in request.Scopes!.Distinct())
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        descriptor.Properties["roles"] = JsonSerializer.SerializeToElement(roles.Distinct().ToArray());
        await applications.CreateAsync(descriptor, ct);
        await log.RecordAsync(
            new ClientRegistered(
                request.ClientId!,
                descriptor.DisplayName,
                request.Scopes!.Distinct().ToArray(),
                roles.Distinct().ToArray(),
                log.Audit(http, actor, "Machine client registered")
            ),
            ct
        );
        return new ClientCredentials(request.ClientId!, secret, request.Scopes!.Distinct().ToArray(), roles.Distinct().ToArray());
    }

    public async Task<ClientCredentials> RotateSecretAsync(string clientId, Actor actor, HttpContext? http, CancellationToken ct)
    {
        var application =
            await applications.FindByClientIdAsync(clientId, ct)
            ?? throw GovernanceRuleException.NotFound("client.not_found", $"No client '{clientId}'.");
        if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential, ct))
            throw GovernanceRuleException.Conflict("client.public", $"Client '{clientId}' is a public client and has no secret.");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, ct);
        var secret = NewSecret();
        descriptor.ClientSecret = secret;
        await applications.UpdateAsync(application, descriptor, ct);
        await log.RecordAsync(
            new ClientSecretRotated(clientId, log.Audit(http, actor, "Client secret rotated; the previous secret no longer works")),
            ct
        );
        return new ClientCredentials(
            clientId,
            secret,
            descriptor
                .Permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope))
                .Select(p => p[Permissions.Prefixes.Scope.Length..])
                .ToArray(),
            RolesOf(descriptor.Properties)
        );
    }

    /// <summary>A client's roles, kept in its OpenIddict properties; clients registered without any act as deployment pipelines.</summary>
    public static IReadOnlyList<string> RolesOf(IEnumerable<KeyValuePair<string, JsonElement>> properties) =>
        properties.FirstOrDefault(p => p.Key == "roles") is { Key: not null } roles
            ? roles.Value.EnumerateArray().Select(r => r.GetString()!).ToArray()
            : [Domain.Shared.Roles.DeploymentPipeline];

    public static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void CheckConflicts(InputCheck check, IReadOnlyList<string>? roles)
    {
        if (access.RefuseConflictingRoles && ConflictWarnings(roles) is { Count: > 0 } conflicts)
            check.Fail("roles", $"conflicting roles for one person ({string.Join("; ", conflicts)}); this deployment refuses them");
    }

    private static void CheckRoles(InputCheck check, IReadOnlyList<string>? roles, string field, bool required)
    {
        if (roles is null || (required && roles.Count == 0))
            check.Fail(field, $"must list at least one of: {string.Join(", ", Domain.Shared.Roles.All)}");
        else if (roles.Except(Domain.Shared.Roles.All).Any())
            check.Fail(field, $"may only contain: {string.Join(", ", Domain.Shared.Roles.All)}");
    }

    private static void Throw(IdentityResult result, string field)
    {
        if (!result.Succeeded)
            throw new GovernanceRuleException(
                result.Errors.Any(e => e.Code.StartsWith("Duplicate")) ? RuleKind.Conflict : RuleKind.InvalidInput,
                result.Errors.Any(e => e.Code.StartsWith("Duplicate")) ? "user.already_exists" : "invalid_input",
                string.Join(" ", result.Errors.Select(e => e.Description)),
                new Dictionary<string, string[]> { [field] = result.Errors.Select(e => e.Description).ToArray() }
            );
    }
}
