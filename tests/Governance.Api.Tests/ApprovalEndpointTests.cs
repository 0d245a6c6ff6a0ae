using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class ApprovalEndpointTests(LedgerApp app)
{
    private readonly Scenario ledger = new(app);

    private static string[] ReasonCodes(JsonElement check) => check.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    [Fact]
    public async Task A_high_risk_version_is_allowed_only_after_two_distinct_risk_officers_approve()
    {
        var modelId = await ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);

        var first = await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        Assert.Equal("Pending", first.GetProperty("status").GetString());
        var pending = await ledger.Check(modelId, digest);
        Assert.False(pending.GetProperty("allowed").GetBoolean());
        Assert.Equal(["approval_pending"], ReasonCodes(pending));

        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.distinct_approvers_required");
        var approved = await ledger.SignOff(ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("status").GetString());

        var allowed = await ledger.Check(modelId, digest);
        Assert.True(allowed.GetProperty("allowed").GetBoolean());
        Assert.Equal("allowed", allowed.GetProperty("decision").GetString());
        Assert.Equal(approvalId, allowed.GetProperty("approvalId").GetString());
        Assert.Empty(ReasonCodes(allowed));
    }

    [Fact]
    public async Task A_model_owner_cannot_approve_their_own_model_version_even_as_a_risk_officer()
    {
        var modelId = await ledger.RegisterModel(Scenario.NewId());
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);

        var ownerAsOfficer = ledger.As("owner-olivia", $"{Roles.ModelOwner},{Roles.RiskOfficer}");
        await ledger.SignOff(ownerAsOfficer, modelId, approvalId, digest).ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.model_owner_cannot_approve");
        Assert.Equal("Pending", (await ledger.GetVersion(modelId)).GetProperty("approvals")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_approval_binds_the_digest_and_environment_the_officer_signs()
    {
        var modelId = await ledger.RegisterModel(Scenario.NewId());
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);

        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, Scenario.DigestOf("swapped file")).ExpectProblem(HttpStatusCode.Conflict, "approval.digest_mismatch");
        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest, "staging").ExpectProblem(HttpStatusCode.Conflict, "approval.environment_mismatch");
        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);

        Assert.Equal(["digest_mismatch"], ReasonCodes(await ledger.Check(modelId, Scenario.DigestOf("swapped file"))));
        Assert.Equal(["no_approval_for_environment"], ReasonCodes(await ledger.Check(modelId, digest, "staging")));
        var approvals = await ledger.Auditor.GetAsync($"/api/v1/approvals?digest={digest}").Expect(HttpStatusCode.OK);
        Assert.Equal(approvalId, Assert.Single(approvals.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Sign_offs_refuse_bad_input_other_roles_and_unknown_approvals()
    {
        var modelId = await ledger.RegisterModel(Scenario.NewId());
        var digest = await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        var approvalId = await ledger.RequestApproval(modelId);
        var path = $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/sign-offs";

        var problem = await ledger.OfficerRita.PostAsJsonAsync(path, new { artifactDigest = digest, environment = "production", rationale = "ok", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresAt", out _));
        problem = await ledger.OfficerRita.PostAsJsonAsync(path, new { artifactDigest = digest, environment = "production", expiresAt = Scenario.Expiry() })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("rationale", out _));
        await ledger.SignOff(ledger.Validator, modelId, approvalId, digest).Expect(HttpStatusCode.Forbidden);
        await ledger.SignOff(ledger.Anonymous, modelId, approvalId, digest).Expect(HttpStatusCode.Unauthorized);
        await ledger.SignOff(ledger.OfficerRita, modelId, Guid.NewGuid().ToString(), digest).ExpectProblem(HttpStatusCode.NotFound, "approval.not_found");
    }

    [Fact]
    public async Task Approval_cannot_be_requested_before_validation_or_after_failed_validation_or_twice()
    {
        var modelId = await ledger.RegisterModel(Scenario.NewId());
        await ledger.RegisterVersion(modelId);
        var path = $"{Scenario.VersionPath(modelId)}/approvals";
        var body = new { environment = "production", intendedUse = "Credit decisions" };

        await ledger.Owner.PostAsJsonAsync(path, body).ExpectProblem(HttpStatusCode.Conflict, "approval.not_validated");
        await ledger.Validate(modelId, outcome: "Failed");
        await ledger.Owner.PostAsJsonAsync(path, body).ExpectProblem(HttpStatusCode.Conflict, "approval.validation_failed");

        var other = await ledger.RegisterModel(Scenario.NewId());
        await ledger.RegisterVersion(other);
        await ledger.Validate(other);
        await ledger.RequestApproval(other);
        await ledger.Owner.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", body).ExpectProblem(HttpStatusCode.Conflict, "approval.already_pending");
        await ledger.Owner.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", new { environment = "Prod Env!" }).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await ledger.OfficerRita.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", body).Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rejected_revoked_and_expired_approvals_never_allow_deployment()
    {
        var rejectedModel = await ledger.RegisterModel(Scenario.NewId());
        var rejectedDigest = await ledger.RegisterVersion(rejectedModel);
        await ledger.Validate(rejectedModel);
        var rejected = await ledger.RequestApproval(rejectedModel);
        var rejection = $"{Scenario.VersionPath(rejectedModel)}/approvals/{rejected}/rejection";
        await ledger.OfficerRita.PostAsJsonAsync(rejection, new { }).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await ledger.OfficerRita.PostAsJsonAsync(rejection, new { reason = "Outcome analysis missing" }).Expect(HttpStatusCode.OK);
        await ledger.OfficerRita.PostAsJsonAsync(rejection, new { reason = "again" }).ExpectProblem(HttpStatusCode.Conflict, "approval.not_pending");
        await ledger.Owner.PostAsJsonAsync(rejection, new { reason = "x" }).Expect(HttpStatusCode.Forbidden);
        Assert.Equal(["approval_rejected"], ReasonCodes(await ledger.Check(rejectedModel, rejectedDigest)));

        var (revokedModel, revokedDigest, revoked) = await ledger.ApprovedVersion();
        var revocation = $"{Scenario.VersionPath(revokedModel)}/approvals/{revoked}/revocation";
        await ledger.OfficerRavi.PostAsJsonAsync(revocation, new { reason = "Drift beyond tolerance" }).Expect(HttpStatusCode.OK);
        await ledger.OfficerRavi.PostAsJsonAsync(revocation, new { reason = "again" }).ExpectProblem(HttpStatusCode.Conflict, "approval.not_granted");
        Assert.Equal(["approval_revoked"], ReasonCodes(await ledger.Check(revokedModel, revokedDigest)));
        await ledger.Deploy(revokedModel, revokedDigest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");

        var expiringModel = await ledger.RegisterModel(Scenario.NewId());
        var expiringDigest = await ledger.RegisterVersion(expiringModel);
        await ledger.Validate(expiringModel);
        var expiring = await ledger.RequestApproval(expiringModel);
        await ledger.SignOff(ledger.OfficerRita, expiringModel, expiring, expiringDigest, expiresAt: Scenario.Expiry(days: 1)).Expect(HttpStatusCode.OK);
        Assert.True((await ledger.Check(expiringModel, expiringDigest)).GetProperty("allowed").GetBoolean());
        app.Clock.Offset = TimeSpan.FromDays(2);
        try
        {
            Assert.Equal(["approval_expired"], ReasonCodes(await ledger.Check(expiringModel, expiringDigest)));
            await ledger.Deploy(expiringModel, expiringDigest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");
        }
        finally { app.Clock.Offset = TimeSpan.Zero; }
    }

    [Fact]
    public async Task The_approval_check_names_bad_parameters_answers_unknown_versions_and_admits_only_its_roles()
    {
        var problem = await ledger.Pipeline.GetAsync("/api/v1/approvals/check?model=credit&version=1.0.0&digest=abc&environment=production")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("digest", out _));
        problem = await ledger.Pipeline.GetAsync("/api/v1/approvals/check").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Equal(4, problem.GetProperty("errors").EnumerateObject().Count());

        var unknown = await ledger.Check(Scenario.NewId(), Scenario.DigestOf("x"));
        Assert.Equal(["model_version_not_registered"], ReasonCodes(unknown));
        await ledger.Owner.GetAsync($"/api/v1/approvals/check?model=a&version=1&digest={Scenario.DigestOf("x")}&environment=production").Expect(HttpStatusCode.Forbidden);
        await ledger.Anonymous.GetAsync($"/api/v1/approvals/check?model=a&version=1&digest={Scenario.DigestOf("x")}&environment=production").Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_approval_is_readable_by_id_with_its_approvers()
    {
        var (_, _, approvalId) = await ledger.ApprovedVersion("High");
        var approval = await ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approval.GetProperty("status").GetString());
        Assert.Equal(["officer-rita", "officer-ravi"], approval.GetProperty("signOffs").EnumerateArray().Select(s => s.GetProperty("officer").GetProperty("subjectId").GetString()));
        Assert.Equal("owner-olivia", approval.GetProperty("requestedBy").GetProperty("subjectId").GetString());
        await ledger.Auditor.GetAsync($"/api/v1/approvals/{Guid.NewGuid()}").ExpectProblem(HttpStatusCode.NotFound, "approval.not_found");
        await ledger.Auditor.GetAsync("/api/v1/approvals?digest=bad").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
    }
}
