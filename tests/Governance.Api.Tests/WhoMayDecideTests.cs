using System.Net;
using System.Net.Http.Json;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// Who may decide what, over HTTP: ownership and delegation, machines that report but never decide, clients that cannot
/// pass for people, the owner's suspension, and subjects stored before they were namespaced.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class WhoMayDecideTests(LedgerApp app)
{
    private static readonly Actor Setup = new("system:test-setup", "Test setup", Roles.Admin);
    private readonly Scenario _ledger = new(app);

    private static string VersionPath(string modelId) => Scenario.VersionPath(modelId);

    [Fact]
    public async Task Another_model_owner_cannot_retire_someone_elses_deployed_version_and_the_pipeline_check_still_allows_it()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        await _ledger.Deploy(modelId, digest).Expect(HttpStatusCode.Created);
        var otherOwner = app.As("owner-oscar", Roles.ModelOwner);

        await otherOwner
            .PostAsJsonAsync($"{VersionPath(modelId)}/retirement", new { reason = "Not mine, retiring anyway" })
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        await otherOwner
            .PostAsJsonAsync($"{VersionPath(modelId)}/approvals", new { environment = "staging", intendedUse = "x" })
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        await otherOwner
            .PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions",
                Scenario.VersionBody("9.9.9", Scenario.DigestOf("other"), await _ledger.RegisterDataset())
            )
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        Assert.Equal("allowed", (await _ledger.Check(modelId, digest)).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Two_machine_clients_given_the_risk_officer_role_cannot_approve_and_no_attestation_is_issued()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        foreach (var robot in new[] { "robot-one", "robot-two" })
        {
            using var signed = await _ledger.SignOff(app.AsClient(robot, Roles.RiskOfficer, "ledger:write"), modelId, approvalId, digest);
            Assert.Equal(HttpStatusCode.Forbidden, signed.StatusCode);
        }
        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Pending", approval.GetProperty("status").GetString());
        Assert.Equal(0, approval.GetProperty("signOffs").GetArrayLength());
    }

    [Fact]
    public async Task The_ledger_itself_refuses_a_machine_caller_a_decision_whatever_its_host_lets_through()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        var robot = Ledger.Writing.Caller.FromToken("robot-officer", "robot-officer", [Roles.RiskOfficer]);

        var refused = await Assert.ThrowsAsync<GovernanceRuleException>(() =>
            app
                .Services.GetRequiredService<Ledger.Approvals.ApprovalRecords>()
                .SignOffAsync(
                    new Ledger.ModelVersions.VersionRef(modelId, "1.0.0"),
                    new Domain.Approvals.ApproveModelVersion(approvalId, digest, "production", "ok", [], DateTimeOffset.UtcNow.AddDays(30)),
                    new Ledger.Writing.CommandCall(robot, "corr-robot"),
                    default
                )
        );
        Assert.Equal("access.person_required", refused.Code);
    }

    [Fact]
    public async Task A_client_registered_with_a_persons_user_id_acts_as_the_client_never_as_the_person()
    {
        var impostor = app.AsClient("officer-rita", $"{Roles.ModelOwner},{Roles.RiskOfficer}", "ledger:write models:write");
        var (modelId, digest) = (await _ledger.RegisterModel(Scenario.NewId(), "High"), "");
        digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        using var signed = await _ledger.SignOff(impostor, modelId, approvalId, digest);
        Assert.Equal(HttpStatusCode.Forbidden, signed.StatusCode);
        await impostor
            .PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(Scenario.NewId()))
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.owner_must_be_a_person");
        var me = await app.AsClient("officer-rita", Roles.ModelOwner).GetAsync("/api/v1/me").Expect(HttpStatusCode.OK);
        Assert.Equal("client:officer-rita", me.GetProperty("actor").GetProperty("subjectId").GetString());
    }

    [Fact]
    public async Task The_owner_delegates_to_a_ci_client_which_registers_and_requests_approval_until_the_delegation_is_withdrawn()
    {
        var clientId = Scenario.NewId("ci");
        await using (var scope = app.Services.CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Accounts>()
                .RegisterClientAsync(
                    new NewClient(clientId, "Payments CI", [ApiScopes.ModelsWrite], [Roles.ModelOwner]),
                    Setup,
                    null,
                    default
                );
        var ci = app.AsClient(clientId, Roles.ModelOwner);
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var dataset = await _ledger.RegisterDataset();
        await ci.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", Scenario.DigestOf("ci-1"), dataset))
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");

        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/delegates", new { delegateId = "client:no-such-client" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        var model = await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/delegates", new { delegateId = $"client:{clientId}", reason = "CI" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal($"client:{clientId}", model.GetProperty("delegates")[0].GetString());

        await ci.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", Scenario.DigestOf("ci-1"), dataset))
            .Expect(HttpStatusCode.Created);
        await ci.PostAsJsonAsync($"{VersionPath(modelId)}/validation-submissions", new { summary = "CI pack" }).Expect(HttpStatusCode.OK);
        await _ledger
            .Validator.PostAsJsonAsync($"{VersionPath(modelId)}/validation", new { outcome = "Passed", opinion = "Sound." })
            .Expect(HttpStatusCode.OK);
        await ci.PostAsJsonAsync($"{VersionPath(modelId)}/approvals", new { environment = "production", intendedUse = "Scoring" })
            .Expect(HttpStatusCode.Created);

        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/delegates/client:{clientId}/withdrawal", new { reason = "Pipeline retired" })
            .Expect(HttpStatusCode.OK);
        await ci.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.1", Scenario.DigestOf("ci-2"), dataset))
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
    }

    [Fact]
    public async Task A_risk_officer_transfers_ownership_to_a_registered_person_who_then_owns_the_model_and_the_old_owner_not()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var transfers = $"/api/v1/models/{modelId}/ownership-transfers";
        var refused = await _ledger
            .OfficerRita.PostAsJsonAsync(transfers, new { newOwnerId = "client:payments-ci", reason = "CI owns it now" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Equal(["newOwnerId"], refused.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        await _ledger
            .OfficerRita.PostAsJsonAsync(transfers, new { newOwnerId = "user:nobody-here", reason = "r" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        GovernanceUser nina;
        await using (var scope = app.Services.CreateAsyncScope())
            nina = await scope
                .ServiceProvider.GetRequiredService<Accounts>()
                .CreateUserAsync(
                    new NewUser(Scenario.NewId("nina"), "Nina New", null, "Correct-Horse-42", [Roles.ModelOwner]),
                    Setup,
                    null,
                    default
                );
        var model = await _ledger
            .OfficerRita.PostAsJsonAsync(transfers, new { newOwnerId = $"user:{nina.Id}", reason = "Olivia moved team" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal($"user:{nina.Id}", model.GetProperty("ownerId").GetString());
        // The ledger keeps the subject id; the name comes from the people directory when read.
        Assert.False(model.TryGetProperty("ownerName", out _));
        var people = await _ledger
            .Auditor.GetAsync($"/api/v1/people?subject=user:{nina.Id}&subject=user:erased-or-never-known")
            .Expect(HttpStatusCode.OK);
        Assert.Equal(
            [($"user:{nina.Id}", "Nina New", true), ("user:erased-or-never-known", "user:erased-or-never-known", false)],
            people
                .EnumerateArray()
                .Select(p =>
                    (p.GetProperty("subjectId").GetString(), p.GetProperty("displayName").GetString(), p.GetProperty("known").GetBoolean())
                )
        );
        await _ledger.Auditor.GetAsync("/api/v1/people?subject=nina").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.Auditor.GetAsync("/api/v1/people").ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/retirement", new { reason = "Not mine any more" })
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
    }

    [Fact]
    public async Task The_owner_suspends_an_approved_version_at_once_and_the_check_and_the_status_refuse_it_until_lifted()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var suspended = await _ledger
            .Owner.PostAsJsonAsync($"{VersionPath(modelId)}/suspension", new { reason = "Score drift under investigation" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal("ModelOwner", suspended.GetProperty("suspension").GetProperty("by").GetProperty("role").GetString());

        var check = await _ledger.Check(modelId, digest);
        Assert.Equal("denied", check.GetProperty("decision").GetString());
        Assert.Contains(check.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("code").GetString() == "version_suspended");
        var status = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/status").Expect(HttpStatusCode.OK);
        Assert.Equal("Suspended", status.GetProperty("status").GetString());
        await _ledger.Deploy(modelId, digest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");

        await _ledger
            .Owner.PostAsJsonAsync($"{VersionPath(modelId)}/suspension/lifting", new { reason = "Drift explained by seasonality" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal("allowed", (await _ledger.Check(modelId, digest)).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task An_owner_who_is_also_a_risk_officer_cannot_reject_their_own_approval_and_the_queue_marks_it()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        var ownerAsOfficer = app.As("owner-olivia", $"{Roles.ModelOwner},{Roles.RiskOfficer}");

        await ownerAsOfficer
            .PostAsJsonAsync($"{VersionPath(modelId)}/approvals/{approvalId}/rejection", new { reason = "Mine, so I reject" })
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.model_owner_cannot_reject");
    }

    [Fact]
    public async Task A_model_registered_before_subjects_were_namespaced_still_refuses_its_owner_as_approver()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);

        // Store the model, the version and the approval with bare ids, as the previous release did (events and documents).
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (
                var sql in new[]
                {
                    "UPDATE governance.mt_events SET data = replace(data::text, '\"user:', '\"')::jsonb WHERE stream_id LIKE @model",
                    "UPDATE governance.mt_doc_model SET data = replace(data::text, '\"user:', '\"')::jsonb WHERE id LIKE @model",
                    "UPDATE governance.mt_doc_modelversion SET data = replace(data::text, '\"user:', '\"')::jsonb WHERE id LIKE @model",
                    "UPDATE governance.mt_doc_approval SET data = replace(data::text, '\"user:', '\"')::jsonb WHERE id = @approval",
                }
            )
            {
                await using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.AddWithValue("model", modelId + "%");
                command.Parameters.AddWithValue("approval", approvalId);
                Assert.True(await command.ExecuteNonQueryAsync() > 0, sql);
            }
        }

        var version = await _ledger.GetVersion(modelId);
        Assert.Equal("user:owner-olivia", version.GetProperty("modelOwnerId").GetString());
        Assert.Equal("user:owner-olivia", version.GetProperty("registeredBy").GetProperty("subjectId").GetString());
        var ownerAsOfficer = app.As("owner-olivia", $"{Roles.ModelOwner},{Roles.RiskOfficer}");
        await _ledger
            .SignOff(ownerAsOfficer, modelId, approvalId, digest)
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.model_owner_cannot_approve");
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_admin_api_names_conflicting_roles_given_to_one_person_and_refuses_person_roles_to_machine_clients()
    {
        var admin = app.As("admin-adam", Roles.Admin);
        var created = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName = Scenario.NewId("person"),
                    displayName = "Owner and officer",
                    password = "Correct-Horse-42",
                    roles = new[] { Roles.ModelOwner, Roles.RiskOfficer },
                }
            )
            .Expect(HttpStatusCode.Created);
        Assert.Contains("ModelOwner + RiskOfficer", Assert.Single(created.GetProperty("warnings").EnumerateArray()).GetString());

        await admin
            .PostAsJsonAsync(
                "/api/v1/admin/clients",
                new
                {
                    clientId = Scenario.NewId("robot"),
                    displayName = "Robot officer",
                    scopes = new[] { "approvals:read" },
                    roles = new[] { Roles.RiskOfficer },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await admin
            .PostAsJsonAsync(
                "/api/v1/admin/clients",
                new
                {
                    clientId = Scenario.NewId("robot"),
                    displayName = "Robot writer",
                    scopes = new[] { "ledger:write" },
                    roles = new[] { Roles.ModelOwner },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
    }

    [Fact]
    public async Task With_the_refuse_policy_conflicting_roles_are_not_granted()
    {
        await using var strict = app.WithWebHostBuilder(b => b.UseSetting("Governance:Access:ConflictingRoles", "Refuse"));
        var admin = LedgerApp.As(strict, "admin-adam", Roles.Admin);
        var refused = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName = Scenario.NewId("person"),
                    displayName = "Validator and owner",
                    password = "Correct-Horse-42",
                    roles = new[] { Roles.ModelOwner, Roles.Validator },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Contains("ModelOwner + Validator", refused.GetRawText());
    }
}
