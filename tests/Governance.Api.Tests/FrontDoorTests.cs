using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using Governance.Ui.Desks;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// The ledger's one write path, whoever calls it: an approval completed through the API or the web UI carries its signed
/// attestation; a stale page cannot sign; concurrent creates of one record answer one success and conflicts, never a 500.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class FrontDoorTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private static ClaimsPrincipal Person(string subject, string role) =>
        new(new ClaimsIdentity([new("sub", subject), new("name", $"{subject} (test)"), new("role", role)], "test", "name", "role"));

    [Fact]
    public async Task An_approval_completed_over_HTTP_carries_its_signed_attestation()
    {
        var (_, digest, approvalId) = await _ledger.ApprovedVersion();

        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approval.GetProperty("status").GetString());
        Assert.StartsWith("sha256:", approval.GetProperty("attestationDigest").GetString());
        var envelope = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}/attestation").Expect(HttpStatusCode.OK);
        Assert.Equal("application/vnd.in-toto+json", envelope.GetProperty("payloadType").GetString());
        Assert.Equal(digest, approval.GetProperty("artifactDigest").GetString());
    }

    [Fact]
    public async Task The_approval_queue_marks_what_the_viewer_may_not_decide_before_they_open_it()
    {
        var (_, _, approvalId) = await RequestedApproval();
        var desk = app.Services.GetRequiredService<IApprovalDesk>();

        var asOwner = await desk.ApprovalQueueAsync(Person("owner-olivia", Roles.RiskOfficer), CancellationToken.None);
        var asOfficer = await desk.ApprovalQueueAsync(Person("officer-rita", Roles.RiskOfficer), CancellationToken.None);

        Assert.Contains("model owner cannot approve", asOwner.Single(i => i.ApprovalId == approvalId).Conflict);
        Assert.Null(asOfficer.Single(i => i.ApprovalId == approvalId).Conflict);
    }

    [Fact]
    public async Task An_approval_completed_in_the_web_UI_carries_its_signed_attestation()
    {
        var (modelId, digest, approvalId) = await RequestedApproval();
        var desk = app.Services.GetRequiredService<IApprovalDesk>();
        var file = (await desk.ReviewAsync(approvalId, CancellationToken.None))!;

        var outcome = await desk.ApproveAsync(
            Person("officer-rita", Roles.RiskOfficer),
            new ApprovalDecision(
                approvalId,
                digest,
                "production",
                "Fit for use.",
                [],
                DateTimeOffset.UtcNow.AddDays(90),
                file.StreamVersion
            ),
            CancellationToken.None
        );

        Assert.True(outcome.Recorded, outcome.Message);
        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Approved", approval.GetProperty("status").GetString());
        Assert.StartsWith("sha256:", approval.GetProperty("attestationDigest").GetString());
        var trail = await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/audit-trail").Expect(HttpStatusCode.OK);
        Assert.Equal(
            ["model_version_approved", "approval_attested"],
            trail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventType").GetString()!).TakeLast(2)
        );
    }

    [Fact]
    public async Task A_review_page_rendered_before_the_version_changed_cannot_sign_and_writes_nothing()
    {
        var (modelId, digest, approvalId) = await RequestedApproval();
        var desk = app.Services.GetRequiredService<IApprovalDesk>();
        var rendered = (await desk.ReviewAsync(approvalId, CancellationToken.None))!;
        // Meanwhile the owner asks for a staging approval too: the version the officer is looking at is no longer current.
        await _ledger.RequestApproval(modelId, environment: "staging");
        var before = await _ledger.GetVersion(modelId);

        var outcome = await desk.ApproveAsync(
            Person("officer-rita", Roles.RiskOfficer),
            new ApprovalDecision(
                approvalId,
                digest,
                "production",
                "Fit for use.",
                [],
                DateTimeOffset.UtcNow.AddDays(90),
                rendered.StreamVersion
            ),
            CancellationToken.None
        );

        Assert.False(outcome.Recorded);
        Assert.Equal("concurrency.stale_version", outcome.Code);
        Assert.Equal(before.ToString(), (await _ledger.GetVersion(modelId)).ToString());
    }

    [Fact]
    public async Task Three_concurrent_creates_of_one_model_dataset_or_version_over_HTTP_answer_one_201_and_two_409s()
    {
        var modelId = Scenario.NewId();
        var model = Scenario.ModelBody(modelId, "Concurrent");
        Assert.Equal(Created1Conflict2, await Statuses(() => _ledger.Owner.PostAsJsonAsync("/api/v1/models", model)));

        var dataset = Scenario.DatasetBody(Scenario.NewId("ds"));
        Assert.Equal(Created1Conflict2, await Statuses(() => _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", dataset)));

        var datasetDigest = await _ledger.RegisterDataset();
        var version = Scenario.VersionBody("1.0.0", Scenario.DigestOf(modelId), datasetDigest);
        Assert.Equal(Created1Conflict2, await Statuses(() => _ledger.Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", version)));
    }

    [Fact]
    public async Task Three_concurrent_creates_of_one_model_in_the_web_UI_record_one_and_show_two_the_conflict()
    {
        var owner = app.Services.GetRequiredService<IOwnerDesk>();
        var modelId = Scenario.NewId();
        var command = new RegisterModel(modelId, "Concurrent", "Scores retail credit applications", RiskTier.Low, null, ["EU"], null);

        var outcomes = await Task.WhenAll(
            Enumerable
                .Range(0, 3)
                .Select(_ => owner.RegisterModelAsync(Person("owner-olivia", Roles.ModelOwner), command, CancellationToken.None))
        );

        // A loser either raced the winner's commit (stale) or arrived after it (already registered): shown, never thrown.
        Assert.Single(outcomes, o => o.Recorded);
        Assert.All(
            outcomes.Where(o => !o.Recorded),
            o => Assert.Contains(o.Code, (string[])["concurrency.stale_version", "model.already_registered"])
        );
        Assert.Equal(2, outcomes.Count(o => !o.Recorded));
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_ledger_itself_refuses_a_caller_without_the_role_and_writes_nothing()
    {
        var owner = app.Services.GetRequiredService<IOwnerDesk>();
        var modelId = Scenario.NewId();
        var command = new RegisterModel(modelId, "Not mine", "Scores retail credit applications", RiskTier.Low, null, ["EU"], null);

        var outcome = await owner.RegisterModelAsync(Person("auditor-ada", Roles.Auditor), command, CancellationToken.None);

        Assert.False(outcome.Recorded);
        Assert.Equal("access.role_required", outcome.Code);
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
    }

    [Fact]
    public async Task Sixteen_concurrent_retries_with_one_idempotency_key_write_once_and_all_get_the_stored_answer()
    {
        var modelId = Scenario.NewId();
        var model = Scenario.ModelBody(modelId, "Retried");

        var answers = await Task.WhenAll(
            Enumerable
                .Range(0, 16)
                .Select(_ =>
                    _ledger.Owner.SendAsync(
                        new HttpRequestMessage(HttpMethod.Post, "/api/v1/models")
                        {
                            Content = JsonContent.Create(model),
                            Headers = { { "Idempotency-Key", $"register-{modelId}" } },
                        }
                    )
                )
        );

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Single(answers, a => !a.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(answers.Select(a => a.Headers.ETag!.Tag).Distinct());
        var trail = await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/audit-trail").Expect(HttpStatusCode.OK);
        Assert.Single(trail.GetProperty("events").EnumerateArray());
    }

    private static readonly HttpStatusCode[] Created1Conflict2 = [HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.Conflict];

    private static async Task<HttpStatusCode[]> Statuses(Func<Task<HttpResponseMessage>> post) =>
        (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => post()))).Select(r => r.StatusCode).Order().ToArray();

    private async Task<(string ModelId, string Digest, string ApprovalId)> RequestedApproval()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        return (modelId, digest, await _ledger.RequestApproval(modelId));
    }
}
