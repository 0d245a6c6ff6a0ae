using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class ApprovalEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private static string[] ReasonCodes(JsonElement check) =>
        check.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    [Fact]
    public async Task A_high_risk_version_is_allowed_only_after_two_distinct_risk_officers_approve()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        var first = await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        Assert.Equal("Pending", first.GetProperty("status").GetString());
        var pending = await _ledger.Check(modelId, digest);
        Assert.False(pending.GetProperty("allowed").GetBoolean());
        Assert.Equal(["approval_pending"], ReasonCodes(pending));

        await _ledger
            .SignOff(_ledger.OfficerRita, modelId, approvalId, digest)
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.distinct_approvers_required");
        var approved = await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("status").GetString());

        var allowed = await _ledger.Check(modelId, digest);
        Assert.True(allowed.GetProperty("allowed").GetBoolean());
        Assert.Equal("allowed", allowed.GetProperty("decision").GetString());
        Assert.Equal(approvalId, allowed.GetProperty("approvalId").GetString());
        Assert.Empty(ReasonCodes(allowed));
    }

    [Fact]
    public async Task A_model_owner_cannot_approve_their_own_model_version_even_as_a_risk_officer()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        var ownerAsOfficer = _ledger.As("owner-olivia", $"{Roles.ModelOwner},{Roles.RiskOfficer}");
        await _ledger
            .SignOff(ownerAsOfficer, modelId, approvalId, digest)
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.model_owner_cannot_approve");
        Assert.Equal("Pending", (await _ledger.GetVersion(modelId)).GetProperty("approvals")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_approval_binds_the_digest_and_environment_the_officer_signs()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        await _ledger
            .SignOff(_ledger.OfficerRita, modelId, approvalId, Scenario.DigestOf("swapped file"))
            .ExpectProblem(HttpStatusCode.Conflict, "approval.digest_mismatch");
        await _ledger
            .SignOff(_ledger.OfficerRita, modelId, approvalId, digest, "staging")
            .ExpectProblem(HttpStatusCode.Conflict, "approval.environment_mismatch");
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);

        Assert.Equal(["digest_mismatch"], ReasonCodes(await _ledger.Check(modelId, Scenario.DigestOf("swapped file"))));
        Assert.Equal(["no_approval_for_environment"], ReasonCodes(await _ledger.Check(modelId, digest, "staging")));
        var approvals = await _ledger.Auditor.GetAsync($"/api/v1/approvals?digest={digest}").Expect(HttpStatusCode.OK);
        Assert.Equal(approvalId, Assert.Single(approvals.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Sign_offs_refuse_bad_input_other_roles_and_unknown_approvals()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        var path = $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/sign-offs";

        var problem = await _ledger
            .OfficerRita.PostAsJsonAsync(
                path,
                new
                {
                    artifactDigest = digest,
                    environment = "production",
                    rationale = "ok",
                    expiresAt = DateTimeOffset.UtcNow.AddDays(-1),
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresAt", out _));
        problem = await _ledger
            .OfficerRita.PostAsJsonAsync(
                path,
                new
                {
                    artifactDigest = digest,
                    environment = "production",
                    expiresAt = Scenario.Expiry(),
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("rationale", out _));
        await _ledger.SignOff(_ledger.Validator, modelId, approvalId, digest).Expect(HttpStatusCode.Forbidden);
        await _ledger.SignOff(_ledger.Anonymous, modelId, approvalId, digest).Expect(HttpStatusCode.Unauthorized);
        await _ledger
            .SignOff(_ledger.OfficerRita, modelId, Guid.NewGuid().ToString(), digest)
            .ExpectProblem(HttpStatusCode.NotFound, "approval.not_found");
    }

    [Fact]
    public async Task Approval_cannot_be_requested_before_validation_or_after_failed_validation_or_twice()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var path = $"{Scenario.VersionPath(modelId)}/approvals";
        var body = new { environment = "production", intendedUse = "Credit decisions" };

        await _ledger.Owner.PostAsJsonAsync(path, body).ExpectProblem(HttpStatusCode.Conflict, "approval.not_validated");
        await _ledger.Validate(modelId, outcome: "Failed");
        await _ledger.Owner.PostAsJsonAsync(path, body).ExpectProblem(HttpStatusCode.Conflict, "approval.validation_failed");

        var other = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(other);
        await _ledger.Validate(other);
        await _ledger.RequestApproval(other);
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", body)
            .ExpectProblem(HttpStatusCode.Conflict, "approval.already_pending");
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", new { environment = "Prod Env!" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.OfficerRita.PostAsJsonAsync($"{Scenario.VersionPath(other)}/approvals", body).Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rejected_revoked_and_expired_approvals_never_allow_deployment()
    {
        var rejectedModel = await _ledger.RegisterModel(Scenario.NewId());
        var rejectedDigest = await _ledger.RegisterVersion(rejectedModel);
        await _ledger.Validate(rejectedModel);
        var rejected = await _ledger.RequestApproval(rejectedModel);
        var rejection = $"{Scenario.VersionPath(rejectedModel)}/approvals/{rejected}/rejection";
        await _ledger.OfficerRita.PostAsJsonAsync(rejection, new { }).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.OfficerRita.PostAsJsonAsync(rejection, new { reason = "Outcome analysis missing" }).Expect(HttpStatusCode.OK);
        await _ledger
            .OfficerRita.PostAsJsonAsync(rejection, new { reason = "again" })
            .ExpectProblem(HttpStatusCode.Conflict, "approval.not_pending");
        await _ledger.Owner.PostAsJsonAsync(rejection, new { reason = "x" }).Expect(HttpStatusCode.Forbidden);
        Assert.Equal(["approval_rejected"], ReasonCodes(await _ledger.Check(rejectedModel, rejectedDigest)));

        var (revokedModel, revokedDigest, revoked) = await _ledger.ApprovedVersion();
        var revocation = $"{Scenario.VersionPath(revokedModel)}/approvals/{revoked}/revocation";
        await _ledger.OfficerRavi.PostAsJsonAsync(revocation, new { reason = "Drift beyond tolerance" }).Expect(HttpStatusCode.OK);
        await _ledger
            .OfficerRavi.PostAsJsonAsync(revocation, new { reason = "again" })
            .ExpectProblem(HttpStatusCode.Conflict, "approval.not_granted");
        Assert.Equal(["approval_revoked"], ReasonCodes(await _ledger.Check(revokedModel, revokedDigest)));
        await _ledger.Deploy(revokedModel, revokedDigest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");

        var expiringModel = await _ledger.RegisterModel(Scenario.NewId());
        var expiringDigest = await _ledger.RegisterVersion(expiringModel);
        await _ledger.Validate(expiringModel);
        var expiring = await _ledger.RequestApproval(expiringModel);
        await _ledger
            .SignOff(_ledger.OfficerRita, expiringModel, expiring, expiringDigest, expiresAt: Scenario.Expiry(days: 1))
            .Expect(HttpStatusCode.OK);
        Assert.True((await _ledger.Check(expiringModel, expiringDigest)).GetProperty("allowed").GetBoolean());
        app.Clock.Offset = TimeSpan.FromDays(2);
        try
        {
            Assert.Equal(["approval_expired"], ReasonCodes(await _ledger.Check(expiringModel, expiringDigest)));
            await _ledger.Deploy(expiringModel, expiringDigest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task The_approval_check_names_bad_parameters_answers_unknown_versions_and_admits_only_its_roles()
    {
        var problem = await _ledger
            .Pipeline.GetAsync("/api/v1/approvals/check?model=credit&version=1.0.0&digest=abc&environment=production")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("digest", out _));
        problem = await _ledger.Pipeline.GetAsync("/api/v1/approvals/check").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Equal(4, problem.GetProperty("errors").EnumerateObject().Count());

        var unknown = await _ledger.Check(Scenario.NewId(), Scenario.DigestOf("x"));
        Assert.Equal(["model_version_not_registered"], ReasonCodes(unknown));
        await _ledger
            .Owner.GetAsync($"/api/v1/approvals/check?model=a&version=1&digest={Scenario.DigestOf("x")}&environment=production")
            .Expect(HttpStatusCode.Forbidden);
        await _ledger
            .Anonymous.GetAsync($"/api/v1/approvals/check?model=a&version=1&digest={Scenario.DigestOf("x")}&environment=production")
            .Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_approval_is_readable_by_id_with_its_approvers()
    {
        var (_, _, approvalId) = await _ledger.ApprovedVersion("High");
        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approval.GetProperty("status").GetString());
        Assert.Equal(
            ["user:officer-rita", "user:officer-ravi"],
            approval.GetProperty("signOffs").EnumerateArray().Select(s => s.GetProperty("officer").GetProperty("subjectId").GetString())
        );
        Assert.Equal("user:owner-olivia", approval.GetProperty("requestedBy").GetProperty("subjectId").GetString());
        await _ledger.Auditor.GetAsync($"/api/v1/approvals/{Guid.NewGuid()}").ExpectProblem(HttpStatusCode.NotFound, "approval.not_found");
        await _ledger.Auditor.GetAsync("/api/v1/approvals?digest=bad").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
    }
}
