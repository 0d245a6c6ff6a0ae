using System.Net;
using System.Text;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Governance.Api.Tests;

/// <summary>The validated-token cache: an access token's signature is verified once, and nothing else is skipped.</summary>
public sealed partial class IdentityTests
{
    private bool Kept(string token) => app.Services.GetRequiredService<ValidatedTokenCache>().IsKept(token);

    [Fact]
    public async Task A_kept_token_still_gets_the_roles_its_person_holds_now()
    {
        var (officer, password) = await Person(Roles.RiskOfficer);
        var token = await PersonToken(officer, password, "openid ledger:read ledger:write");
        Assert.False(Kept(token));

        Assert.Equal([Roles.RiskOfficer], await RolesOf(Bearer(token)));
        Assert.True(Kept(token));
        await SignOffUnknownApproval(Bearer(token)).ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");

        // Only the signature check is cached: the account as it is now is read on every request.
        await SetRoles(officer, Roles.ModelOwner);
        await SignOffUnknownApproval(Bearer(token)).Expect(HttpStatusCode.Forbidden);
        Assert.Equal([Roles.ModelOwner], await RolesOf(Bearer(token)));
    }

    [Fact]
    public async Task A_kept_token_is_refused_once_it_expires_and_a_changed_one_is_verified_again()
    {
        var token = await ClientCredentialsToken(await Client(ApiScopes.ApprovalsRead), "approvals:read");
        await CheckWith(token).Expect(HttpStatusCode.OK);
        Assert.True(Kept(token));

        // Same signature, other claims: a different token, verified (and refused) on its own.
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("approvals:read", "deployments:write");
        await CheckWith($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}").Expect(HttpStatusCode.Unauthorized);
        await CheckWith(token).Expect(HttpStatusCode.OK);

        app.Clock.Offset += TimeSpan.FromMinutes(16);
        try
        {
            await CheckWith(token).Expect(HttpStatusCode.Unauthorized);
            Assert.False(Kept(token));
        }
        finally
        {
            app.Clock.Offset -= TimeSpan.FromMinutes(16);
        }
    }
}
