using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Governance.Ui.Desks;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Governance.Api.Tests;

/// <summary>Issue 12, item 4: role changes, credential changes and removed clients take effect on the next request, whatever
/// tokens were issued before, on this node and on another node of the same database.</summary>
public sealed partial class IdentityTests
{
    private async Task<string> UserIdOf(string userName)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>().FindByNameAsync(userName))!.Id;
    }

    private async Task SetRoles(string userName, params string[] roles)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope
            .ServiceProvider.GetRequiredService<Accounts>()
            .SetRolesAsync(await UserIdOf(userName), roles, Setup, null, CancellationToken.None);
    }

    private static Task<HttpResponseMessage> SignOffUnknownApproval(HttpClient officer) =>
        officer.PostAsJsonAsync(
            "/api/v1/models/none/versions/1.0.0/approvals/apr-none/sign-offs",
            new
            {
                artifactDigest = UnknownDigest,
                environment = "production",
                rationale = "Sound.",
                expiresAt = DateTimeOffset.UtcNow.AddDays(30),
            }
        );

    private static async Task<string[]> RolesOf(HttpClient caller) =>
        (await caller.GetAsync("/api/v1/me").Expect(HttpStatusCode.OK)).GetProperty("roles").Strings().ToArray();

    [Fact]
    public async Task A_demoted_officers_unexpired_token_is_refused_at_once()
    {
        var (officer, password) = await Person(Roles.RiskOfficer);
        var token = await PersonToken(officer, password, "openid ledger:read ledger:write");
        // Authorized: the refusal is the ledger's (no such approval), not the door's.
        await SignOffUnknownApproval(Bearer(token)).ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");

        await SetRoles(officer, Roles.ModelOwner);

        await SignOffUnknownApproval(Bearer(token)).Expect(HttpStatusCode.Forbidden);
        Assert.Equal([Roles.ModelOwner], await RolesOf(Bearer(token)));
    }

    [Fact]
    public async Task A_promoted_persons_token_carries_the_new_role_at_once()
    {
        var (person, password) = await Person(Roles.ModelOwner);
        var token = await PersonToken(person, password, "openid ledger:read ledger:write");
        await SignOffUnknownApproval(Bearer(token)).Expect(HttpStatusCode.Forbidden);

        await SetRoles(person, Roles.ModelOwner, Roles.Auditor);

        Assert.Equal([Roles.Auditor, Roles.ModelOwner], (await RolesOf(Bearer(token))).Order());
    }

    [Fact]
    public async Task Tokens_and_refresh_tokens_issued_before_a_security_stamp_change_are_refused()
    {
        var (person, password) = await Person(Roles.Auditor);
        var tokens = await PersonTokens(person, password, "openid offline_access ledger:read");
        var token = tokens.GetProperty("access_token").GetString()!;
        await Bearer(token).GetAsync("/api/v1/me").Expect(HttpStatusCode.OK);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByNameAsync(person))!);
            await scope
                .ServiceProvider.GetRequiredService<AccessChanges>()
                .PublishAsync(CurrentAccess.UserKey(await UserIdOf(person)), CancellationToken.None);
        }

        using var refused = await Bearer(token).GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString());
        await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "refresh_token",
                        ["client_id"] = "governance-ui",
                        ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
                    }
                )
            )
            .Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_deleted_machine_clients_token_is_refused_at_once()
    {
        var client = await Client(ApiScopes.ApprovalsRead);
        var token = await ClientCredentialsToken(client, ApiScopes.ApprovalsRead);
        await CheckWith(token).Expect(HttpStatusCode.OK);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.DeleteAsync((await applications.FindByClientIdAsync(client.ClientId))!);
            await scope
                .ServiceProvider.GetRequiredService<AccessChanges>()
                .PublishAsync(CurrentAccess.ClientKey(client.ClientId), CancellationToken.None);
        }

        using var refused = await CheckWith(token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task What_the_store_says_is_read_again_after_the_cache_duration_even_without_a_notification()
    {
        var (person, password) = await Person(Roles.RiskOfficer);
        var token = await PersonToken(person, password, "openid ledger:read");
        Assert.Equal([Roles.RiskOfficer], await RolesOf(Bearer(token)));
        // Changed behind the product's back: no notification, so only the cache's expiry can reveal it.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>();
            var user = (await users.FindByNameAsync(person))!;
            await users.RemoveFromRoleAsync(user, Roles.RiskOfficer);
            await users.AddToRoleAsync(user, Roles.Auditor);
        }
        Assert.Equal([Roles.RiskOfficer], await RolesOf(Bearer(token)));

        app.Clock.Offset += TimeSpan.FromSeconds(6);
        try
        {
            Assert.Equal([Roles.Auditor], await RolesOf(Bearer(token)));
        }
        finally
        {
            app.Clock.Offset -= TimeSpan.FromSeconds(6);
        }
    }

    [Fact]
    public async Task A_role_change_on_one_node_reaches_another_node_through_postgresql_notify()
    {
        // The other node keeps what it read for an hour: only the notification can make it read the store again.
        await using var other = app.WithWebHostBuilder(b => b.UseSetting("Governance:Sessions:AccessCacheDuration", "01:00:00"));
        var otherClient = other.CreateClient();
        await other.Services.GetRequiredService<AccessChanges>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var (officer, password) = await Person(Roles.RiskOfficer);
        var token = await PersonToken(officer, password, "openid ledger:read ledger:write");
        otherClient.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal([Roles.RiskOfficer], await RolesOf(otherClient));

        await SetRoles(officer, Roles.ModelOwner);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while ((await RolesOf(otherClient)).Contains(Roles.RiskOfficer) && DateTimeOffset.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal([Roles.ModelOwner], await RolesOf(otherClient));
        await SignOffUnknownApproval(otherClient).Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_signed_out_UI_session_can_no_longer_act_and_a_demoted_persons_open_page_can_no_longer_sign()
    {
        var (person, _) = await Person(Roles.RiskOfficer);
        var userId = await UserIdOf(person);
        string stamp;
        await using (var scope = app.Services.CreateAsyncScope())
            stamp = CurrentAccess.StampDigest(
                (await scope.ServiceProvider.GetRequiredService<UserManager<GovernanceUser>>().FindByIdAsync(userId))!.SecurityStamp
            );
        // An open page's principal, as the UI cookie gives it (see /signin-oidc).
        ClaimsPrincipal Page() =>
            new(
                new ClaimsIdentity(
                    [
                        new Claim("sub", userId),
                        new Claim(CurrentAccess.StampClaim, stamp),
                        new Claim(CurrentAccess.SessionClaim, UiSessions.NewSessionId()),
                        new Claim("role", Roles.RiskOfficer),
                    ],
                    IdentitySetup.UiCookie,
                    "name",
                    "role"
                )
            );
        var sessions = app.Services.GetRequiredService<UiSessions>();
        var signedOut = Page();
        var demoted = Page();
        Assert.NotNull((await sessions.CheckAsync(signedOut, SessionUse.Act, CancellationToken.None)).Person);

        await sessions.EndAsync(signedOut, CancellationToken.None);

        Assert.Equal("session.ended", (await sessions.CheckAsync(signedOut, SessionUse.Act, CancellationToken.None)).Code);
        Assert.NotNull((await sessions.CheckAsync(demoted, SessionUse.Sign, CancellationToken.None)).Person);
        await SetRoles(person, Roles.Auditor);
        Assert.Equal("session.roles_changed", (await sessions.CheckAsync(demoted, SessionUse.Sign, CancellationToken.None)).Code);
    }
}
