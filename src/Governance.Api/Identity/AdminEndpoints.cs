using Governance.Api.Hosting;
using Governance.Domain.Shared;
using Governance.Ledger.SecurityLog;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace Governance.Api.Identity;

public sealed record UserSummary(
    string Id,
    string UserName,
    string DisplayName,
    string? Email,
    IReadOnlyList<string> Roles,
    DateTimeOffset? LockedOutUntil
);

public sealed record ClientSummary(string ClientId, string? DisplayName, string? ClientType, IReadOnlyList<string> Permissions);

/// <summary>Administration of people and machine clients (Admin), and the security log (Admin, Auditor).</summary>
public static class AdminEndpoints
{
    public sealed record RolesRequest(List<string>? Roles);

    public static RouteGroupBuilder MapAdministration(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Administration");

        admin
            .MapGet(
                "/users",
                async (UserManager<GovernanceUser> users, CancellationToken ct) =>
                {
                    var all = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                        users.Users.OrderBy(u => u.UserName),
                        ct
                    );
                    var summaries = new List<UserSummary>();
                    foreach (var u in all)
                        summaries.Add(
                            new UserSummary(
                                u.Id,
                                u.UserName!,
                                u.DisplayName,
                                u.Email,
                                [.. await users.GetRolesAsync(u)],
                                u.LockoutEnd > DateTimeOffset.UtcNow ? u.LockoutEnd : null
                            )
                        );
                    return Results.Ok(summaries);
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("ListUsers")
            .WithSummary("People with access, their roles and any lockout.");

        admin
            .MapPost(
                "/users",
                async (NewUser request, Accounts accounts, HttpContext http) =>
                {
                    var user = await accounts.CreateUserAsync(request, http.Actor(), http, http.RequestAborted);
                    return Results.Created(
                        $"/api/v1/admin/users/{user.Id}",
                        new
                        {
                            id = user.Id,
                            subjectId = Subjects.User(user.Id),
                            userName = user.UserName,
                            displayName = user.DisplayName,
                            email = user.Email,
                            roles = request.Roles,
                            warnings = Accounts.ConflictWarnings(request.Roles),
                        }
                    );
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("CreateUser")
            .WithSummary(
                "Create a person's account with a password that meets the policy, and their roles; conflicting roles are named in "
                    + "warnings (or refused, by policy)."
            );

        admin
            .MapPut(
                "/users/{userId}/roles",
                async (string userId, RolesRequest request, Accounts accounts, HttpContext http) =>
                {
                    var (added, removed) = await accounts.SetRolesAsync(userId, request.Roles, http.Actor(), http, http.RequestAborted);
                    return Results.Ok(
                        new
                        {
                            userId,
                            added,
                            removed,
                            warnings = Accounts.ConflictWarnings(request.Roles),
                        }
                    );
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("SetUserRoles")
            .WithSummary("Set a person's roles; the change is recorded in the security log.");

        admin
            .MapGet(
                "/clients",
                async (IOpenIddictApplicationManager applications, CancellationToken ct) =>
                {
                    var clients = new List<ClientSummary>();
                    await foreach (var app in applications.ListAsync(count: null, offset: null, ct))
                        clients.Add(
                            new ClientSummary(
                                (await applications.GetClientIdAsync(app, ct))!,
                                await applications.GetDisplayNameAsync(app, ct),
                                await applications.GetClientTypeAsync(app, ct),
                                [.. await applications.GetPermissionsAsync(app, ct)]
                            )
                        );
                    return Results.Ok(clients.OrderBy(c => c.ClientId));
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("ListClients")
            .WithSummary("Registered OAuth clients and their permissions.");

        admin
            .MapPost(
                "/clients",
                async (NewClient request, Accounts accounts, HttpContext http) =>
                {
                    var credentials = await accounts.RegisterClientAsync(request, http.Actor(), http, http.RequestAborted);
                    return Results.Created($"/api/v1/admin/clients/{credentials.ClientId}", credentials);
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("RegisterClient")
            .WithSummary("Register a machine client (pipeline, model server) with narrow scopes; its secret is shown once.");

        admin
            .MapPost(
                "/clients/{clientId}/secret",
                (string clientId, Accounts accounts, HttpContext http) =>
                    accounts.RotateSecretAsync(clientId, http.Actor(), http, http.RequestAborted)
            )
            .AllowRoles(Roles.Admin)
            .WithName("RotateClientSecret")
            .WithSummary("Rotate a client's secret: the new one is shown once, the old one stops working.");

        api.MapGet(
                "/me",
                (HttpContext http) =>
                    Results.Ok(
                        new
                        {
                            actor = http.Actor(),
                            roles = Roles.All.Where(http.User.IsInRole).ToArray(),
                            scopes = ApiScopes.All.Where(http.User.HoldsScope).ToArray(),
                        }
                    )
            )
            .AllowRoles(Roles.All.ToArray())
            .WithScopes(ApiScopes.All.ToArray())
            .WithTags("Administration")
            .WithName("WhoAmI")
            .WithSummary(
                "Who the ledger takes the caller to be: subject, name, acting role, client, roles and scopes. For checking a pipeline's "
                    + "credentials."
            );

        api.MapGet("/security-log", (long? after, int? limit, SecurityLogBook log, CancellationToken ct) => log.PageAsync(after, limit, ct))
            .AllowRoles(Roles.Admin, Roles.Auditor)
            .WithTags("Administration")
            .WithName("GetSecurityLog")
            .WithSummary(
                "Sign-ins, failures, client tokens, role changes and secret rotations, in ledger order; page with after=nextAfter."
            );
        return api;
    }
}
