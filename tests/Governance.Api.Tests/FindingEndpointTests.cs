using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>Findings as tracked items over HTTP: assigned, remediated with evidence by the owner, closed by an independent
/// validator; bad input is a 400 <c>invalid_input</c> that stores nothing.</summary>
[Collection(LedgerCollection.Name)]
public sealed class FindingEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private static string Finding(string modelId, string action = "") =>
        $"{Scenario.VersionPath(modelId)}/findings/F-1{(action.Length == 0 ? "" : "/" + action)}";

    private async Task<string> ValidatedModel()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        return modelId;
    }

    [Fact]
    public async Task A_finding_is_assigned_remediated_by_its_owner_and_closed_by_an_independent_validator()
    {
        var modelId = await ValidatedModel();
        var due = DateTimeOffset.UtcNow.AddDays(10);

        var assigned = await _ledger
            .Validator.PostAsJsonAsync(Finding(modelId, "assignment"), new { ownerId = "user:owner-olivia", dueAt = due })
            .Expect(HttpStatusCode.OK);
        Assert.Equal("Open", assigned.GetProperty("status").GetString());
        Assert.Equal("user:owner-olivia", assigned.GetProperty("track").GetProperty("ownerId").GetString());

        // The owner cannot close their own finding: closing is a validator's, and the finding's owner is refused even as one.
        await _ledger
            .Owner.PostAsJsonAsync(Finding(modelId, "closure"), new { resolution = "RiskAccepted", reason = "Fine" })
            .Expect(HttpStatusCode.Forbidden);
        await _ledger
            .As("owner-olivia", $"{Roles.ModelOwner},{Roles.Validator}")
            .PostAsJsonAsync(Finding(modelId, "closure"), new { resolution = "RiskAccepted", reason = "Fine" })
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.finding_owner");

        var digest = Scenario.DigestOf("recalibration report");
        await _ledger
            .Owner.PostAsJsonAsync(
                Finding(modelId, "remediation"),
                new
                {
                    evidence = "Recalibrated with isotonic regression",
                    evidenceUri = "https://wiki.example/recal",
                    evidenceDigest = digest,
                }
            )
            .Expect(HttpStatusCode.OK);
        var closed = await _ledger
            .Validator.PostAsJsonAsync(Finding(modelId, "closure"), new { resolution = "Remediated", reason = "Evidence reviewed" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal("Closed", closed.GetProperty("status").GetString());

        var findings = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/findings").Expect(HttpStatusCode.OK);
        var track = findings[0].GetProperty("track");
        Assert.Equal(digest, track.GetProperty("remediations")[0].GetProperty("evidenceDigest").GetString());
        Assert.Equal(
            ["Assigned to user:owner-olivia, due " + due.UtcDateTime.ToString("yyyy-MM-dd"), "Remediation proposed", "Closed: remediated"],
            track.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("what").GetString()!)
        );
        var open = await _ledger.Auditor.GetAsync("/api/v1/findings").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(open.EnumerateArray(), f => f.GetProperty("modelId").GetString() == modelId);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_stores_nothing()
    {
        var modelId = await ValidatedModel();
        var problem = await _ledger
            .Validator.PostAsJsonAsync(Finding(modelId, "assignment"), new { ownerId = "", dueAt = DateTimeOffset.UtcNow.AddDays(-1) })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("ownerId", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("dueAt", out _));
        await _ledger
            .Validator.PostAsJsonAsync(Finding(modelId, "assignment"), new { ownerId = "user:x", dueAt = "tomorrow" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request"); // a body that cannot be read, as everywhere
        await _ledger
            .Owner.PostAsJsonAsync(Finding(modelId, "remediation"), new { evidence = "x" })
            .ExpectProblem(HttpStatusCode.Conflict, "finding.not_assigned");
        await _ledger
            .Validator.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/findings/F-9/assignment",
                new { ownerId = "user:x", dueAt = DateTimeOffset.UtcNow.AddDays(3) }
            )
            .ExpectProblem(HttpStatusCode.NotFound, "finding.not_found");

        var findings = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/findings").Expect(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, findings[0].GetProperty("track").ValueKind);
        Assert.Equal("Open", findings[0].GetProperty("status").GetString());
    }
}
