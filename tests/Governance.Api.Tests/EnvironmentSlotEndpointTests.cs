using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Deployments;
using Governance.Domain.Shared;
using Governance.Ledger.Models;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>Environment slots and the deployment lifecycle over HTTP, on a real PostgreSQL.</summary>
[Collection(LedgerCollection.Name)]
public sealed class EnvironmentSlotEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    /// <summary>A model with 1.0.0 and 1.1.0 both approved for production.</summary>
    private async Task<(string ModelId, string V1, string V2, string A1, string A2)> TwoApprovedVersions(string? expiresAt = null)
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digests = new List<string>();
        var approvals = new List<string>();
        foreach (var version in new[] { "1.0.0", "1.1.0" })
        {
            var digest = await _ledger.RegisterVersion(modelId, version);
            await _ledger.Validate(modelId, version);
            var approvalId = await _ledger.RequestApproval(modelId, version);
            await _ledger
                .SignOff(_ledger.OfficerRita, modelId, approvalId, digest, version: version, expiresAt: expiresAt)
                .Expect(HttpStatusCode.OK);
            digests.Add(digest);
            approvals.Add(approvalId);
        }
        return (modelId, digests[0], digests[1], approvals[0], approvals[1]);
    }

    private Task<JsonElement> Slot(string modelId, string query = "") =>
        _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/environments/production{query}").Expect(HttpStatusCode.OK);

    private Task<HttpResponseMessage> Start(
        string modelId,
        string version,
        string digest,
        string deploymentId,
        HttpClient? pipeline = null
    ) =>
        (pipeline ?? _ledger.Pipeline).PostAsJsonAsync(
            $"{Scenario.VersionPath(modelId, version)}/deployments/start",
            new
            {
                environment = "production",
                pipelineRunId = $"run-{deploymentId}",
                artifactDigest = digest,
                deploymentId,
            }
        );

    private Task<HttpResponseMessage> Complete(string modelId, string deploymentId, HttpClient? pipeline = null) =>
        (pipeline ?? _ledger.Pipeline).PostAsJsonAsync(
            $"/api/v1/models/{modelId}/environments/production/deployments/{deploymentId}/completion",
            new { }
        );

    [Fact]
    public async Task Deploying_1_1_0_replaces_1_0_0_history_shows_both_with_intervals_and_a_rollback_restores_1_0_0()
    {
        var (modelId, v1, v2, _, a2) = await TwoApprovedVersions();
        await _ledger.Deploy(modelId, v1, run: "r1").Expect(HttpStatusCode.Created);
        await _ledger.Deploy(modelId, v2, run: "r2", version: "1.1.0").Expect(HttpStatusCode.Created);

        var slot = await Slot(modelId);
        Assert.Equal("1.1.0", slot.GetProperty("live").GetProperty("deployment").GetProperty("version").GetString());
        Assert.Equal(a2, slot.GetProperty("live").GetProperty("deployment").GetProperty("approvalId").GetString());
        var entry = await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").Expect(HttpStatusCode.OK);
        Assert.Equal(["production"], entry.GetProperty("liveEnvironments").Strings());
        // The entry keeps live deployments only; 1.0.0's ended one is on its own record.
        Assert.Equal([0, 1], entry.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("deployments").GetArrayLength()));
        Assert.Single((await _ledger.GetVersion(modelId)).GetProperty("deployments").EnumerateArray());
        Assert.Empty((await _ledger.GetVersion(modelId)).GetProperty("liveEnvironments").EnumerateArray());
        Assert.Equal(["production"], (await _ledger.GetVersion(modelId, "1.1.0")).GetProperty("liveEnvironments").Strings());

        var history = await _ledger.Auditor.GetAsync("/api/v1/environments/production/history").Expect(HttpStatusCode.OK);
        var intervals = history
            .GetProperty("intervals")
            .EnumerateArray()
            .Where(e => e.GetProperty("modelId").GetString() == modelId)
            .Select(e => e.GetProperty("interval"))
            .ToArray();
        Assert.Equal(["1.0.0", "1.1.0"], intervals.Select(i => i.GetProperty("version").GetString()!));
        Assert.Equal("replaced", intervals[0].GetProperty("endedBy").GetString());
        Assert.Equal(intervals[1].GetProperty("fromPosition").GetInt64(), intervals[0].GetProperty("toPosition").GetInt64());
        Assert.True(intervals[0].GetProperty("fromPosition").GetInt64() > 0);
        Assert.True(intervals[1].GetProperty("fromPosition").GetInt64() > intervals[0].GetProperty("fromPosition").GetInt64());
        Assert.Equal(JsonValueKind.Null, intervals[1].GetProperty("toPosition").ValueKind);
        Assert.Single(history.GetProperty("liveAtPosition").EnumerateArray(), e => e.GetProperty("modelId").GetString() == modelId);

        var rolledBack = await _ledger
            .Pipeline.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/environments/production/rollback",
                new { pipelineRunId = "r3", reason = "Approval rate dropped 4 points" }
            )
            .Expect(HttpStatusCode.Created);
        Assert.Equal("1.0.0", rolledBack.GetProperty("slot").GetProperty("history")[2].GetProperty("version").GetString());
        slot = await Slot(modelId);
        Assert.Equal("1.0.0", slot.GetProperty("live").GetProperty("deployment").GetProperty("version").GetString());
        Assert.True(slot.GetProperty("live").GetProperty("runningWithValidApproval").GetBoolean());
        Assert.Equal("RolledBack", (await _ledger.GetVersion(modelId, "1.1.0")).GetProperty("status").GetString());
        Assert.Equal(["production"], (await _ledger.GetVersion(modelId)).GetProperty("liveEnvironments").Strings());
    }

    [Fact]
    public async Task A_rollback_to_a_version_whose_approval_was_revoked_is_refused_or_recorded_as_a_flagged_emergency()
    {
        var (modelId, v1, v2, a1, _) = await TwoApprovedVersions();
        await _ledger.Deploy(modelId, v1, run: "r1").Expect(HttpStatusCode.Created);
        await _ledger.Deploy(modelId, v2, run: "r2", version: "1.1.0").Expect(HttpStatusCode.Created);
        await Revoke(modelId, "1.0.0", a1);
        var rollback = $"/api/v1/models/{modelId}/environments/production/rollback";
        var before = await app.EventCount();
        await _ledger
            .Pipeline.PostAsJsonAsync(rollback, new { pipelineRunId = "r3", reason = "Outage" })
            .ExpectProblem(HttpStatusCode.Conflict, "rollback.no_valid_approval");
        Assert.Equal(before, await app.EventCount());

        await _ledger
            .Pipeline.PostAsJsonAsync(
                rollback,
                new
                {
                    pipelineRunId = "r3",
                    reason = "Outage: 1.1.0 answers 500",
                    emergency = true,
                }
            )
            .Expect(HttpStatusCode.Created);
        var live = (await Slot(modelId)).GetProperty("live");
        Assert.Equal("1.0.0", live.GetProperty("deployment").GetProperty("version").GetString());
        Assert.True(live.GetProperty("deployment").GetProperty("emergencyRollback").GetBoolean());
        Assert.Equal("emergency_rollback", live.GetProperty("code").GetString());
        Assert.True((await Dashboard()).EmergencyRollbacks >= 1);
    }

    private Task Revoke(string modelId, string version, string approvalId) =>
        _ledger
            .OfficerRavi.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId, version)}/approvals/{approvalId}/revocation",
                new { reason = "Drift beyond the monitoring plan's limits" }
            )
            .Expect(HttpStatusCode.OK);

    [Fact]
    public async Task Revoking_the_live_versions_approval_flags_it_as_running_without_a_valid_approval_until_replaced()
    {
        var (modelId, v1, v2, a1, _) = await TwoApprovedVersions();
        await _ledger.Deploy(modelId, v1, run: "r1").Expect(HttpStatusCode.Created);
        Assert.True((await Slot(modelId)).GetProperty("live").GetProperty("runningWithValidApproval").GetBoolean());
        await Revoke(modelId, "1.0.0", a1);
        var live = (await Slot(modelId)).GetProperty("live");
        Assert.False(live.GetProperty("runningWithValidApproval").GetBoolean());
        Assert.Equal("approval_revoked", live.GetProperty("code").GetString());
        var flagged = (await Dashboard()).RunningWithoutValidApproval;
        Assert.True(flagged >= 1);

        await _ledger.Deploy(modelId, v2, run: "r2", version: "1.1.0").Expect(HttpStatusCode.Created);
        Assert.True((await Slot(modelId)).GetProperty("live").GetProperty("runningWithValidApproval").GetBoolean());
        Assert.Equal(flagged - 1, (await Dashboard()).RunningWithoutValidApproval);
    }

    private Task<DashboardCounts> Dashboard() => app.Services.GetRequiredService<ModelInventory>().DashboardAsync(CancellationToken.None);

    [Fact]
    public async Task An_approval_expiring_mid_rollout_lets_the_deployment_complete_and_the_completion_says_so()
    {
        var (modelId, v1, _, a1, _) = await TwoApprovedVersions(expiresAt: DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        var started = await Start(modelId, "1.0.0", v1, "dep-expiring").Expect(HttpStatusCode.Created);
        Assert.Equal(a1, started.GetProperty("approvalId").GetString());
        Assert.True(started.GetProperty("approvalExpiresAt").GetDateTimeOffset() < DateTimeOffset.UtcNow.AddDays(2));
        app.Clock.Offset = TimeSpan.FromDays(2);
        try
        {
            var completed = await Complete(modelId, "dep-expiring").Expect(HttpStatusCode.OK);
            var recorded = completed.GetProperty("recorded");
            Assert.Equal("Expired", recorded.GetProperty("approvalStanding").GetString());
            Assert.Contains("expired during the rollout", recorded.GetProperty("audit").GetProperty("reason").GetString());
            var live = (await Slot(modelId)).GetProperty("live");
            Assert.Equal("dep-expiring", live.GetProperty("deployment").GetProperty("deploymentId").GetString());
            Assert.Equal("approval_expired", live.GetProperty("code").GetString());
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task An_approval_revoked_mid_rollout_records_the_completion_and_flags_the_slot()
    {
        var (modelId, v1, _, a1, _) = await TwoApprovedVersions();
        await Start(modelId, "1.0.0", v1, "dep-revoked").Expect(HttpStatusCode.Created);
        await Revoke(modelId, "1.0.0", a1);
        var completed = await Complete(modelId, "dep-revoked").Expect(HttpStatusCode.OK);
        Assert.Equal("Revoked", completed.GetProperty("recorded").GetProperty("approvalStanding").GetString());
        Assert.Equal("approval_revoked", (await Slot(modelId)).GetProperty("live").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Two_pipelines_deploying_at_once_are_both_recorded()
    {
        var (modelId, v1, v2, _, _) = await TwoApprovedVersions();
        var first = app.As("pipeline-a", Roles.DeploymentPipeline);
        var second = app.As("pipeline-b", Roles.DeploymentPipeline);
        for (var round = 0; round < 5; round++)
        {
            var (a, b) = ($"a{round}", $"b{round}");
            var starts = await Task.WhenAll(Start(modelId, "1.0.0", v1, a, first), Start(modelId, "1.1.0", v2, b, second));
            Assert.All(starts, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var completions = await Task.WhenAll(Complete(modelId, a, first), Complete(modelId, b, second));
            Assert.All(completions, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
        var recorded = await Task.WhenAll(
            _ledger.Deploy(modelId, v1, run: "legacy-a"),
            _ledger.Deploy(modelId, v2, run: "legacy-b", version: "1.1.0")
        );
        Assert.All(recorded, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var slot = await Slot(modelId);
        Assert.Equal(12, slot.GetProperty("history").GetArrayLength());
        Assert.Single(slot.GetProperty("history").EnumerateArray(), i => i.GetProperty("toPosition").ValueKind == JsonValueKind.Null);
        Assert.Empty(slot.GetProperty("inFlight").EnumerateArray());
        var live = slot.GetProperty("live").GetProperty("deployment").GetProperty("version").GetString();
        var other = live == "1.0.0" ? "1.1.0" : "1.0.0";
        Assert.Empty((await _ledger.GetVersion(modelId, other)).GetProperty("liveEnvironments").EnumerateArray());
    }

    [Fact]
    public async Task A_retried_start_with_the_same_idempotency_key_gets_the_first_answer_and_records_once()
    {
        var (modelId, v1, _, _, _) = await TwoApprovedVersions();
        HttpRequestMessage Request() =>
            new(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments/start")
            {
                Content = JsonContent.Create(
                    new
                    {
                        environment = "production",
                        pipelineRunId = "run-lost",
                        artifactDigest = v1,
                    }
                ),
                Headers = { { "Idempotency-Key", "start-run-lost" } },
            };
        using var first = await _ledger.Pipeline.SendAsync(Request());
        var before = await app.EventCount();
        using var second = await _ledger.Pipeline.SendAsync(Request());
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(before, await app.EventCount());
        Assert.Single((await Slot(modelId)).GetProperty("inFlight").EnumerateArray());
    }

    [Fact]
    public async Task Lifecycle_steps_refuse_bad_input_and_unknown_deployments_writing_nothing()
    {
        var (modelId, v1, _, _, _) = await TwoApprovedVersions();
        var before = await app.EventCount();
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/deployments/start",
                new
                {
                    environment = "production",
                    pipelineRunId = "r",
                    artifactDigest = v1,
                    slot = "Canary",
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await Complete(modelId, "nope").ExpectProblem(HttpStatusCode.NotFound, "deployment.not_found");
        await _ledger
            .Pipeline.PostAsJsonAsync($"/api/v1/models/{modelId}/environments/production/deployments/nope/failure", new { reason = "" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/environments/production/rollback",
                new { pipelineRunId = "r", reason = "x" }
            )
            .ExpectProblem(HttpStatusCode.Conflict, "rollback.nothing_live");
        await _ledger
            .Auditor.GetAsync($"/api/v1/models/{modelId}/environments/production?asOf=yesterday")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Auditor.GetAsync($"/api/v1/models/{modelId}/environments/production?asOfPosition=-1")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/environments/production/rollback", new { })
            .Expect(HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.EventCount());

        await Start(modelId, "1.0.0", v1, "dep-fails").Expect(HttpStatusCode.Created);
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/environments/production/deployments/dep-fails/failure",
                new { reason = "Readiness probe failed" }
            )
            .Expect(HttpStatusCode.OK);
        await Complete(modelId, "dep-fails").ExpectProblem(HttpStatusCode.Conflict, "deployment.not_in_flight");
        await Start(modelId, "1.0.0", v1, "dep-fails").ExpectProblem(HttpStatusCode.Conflict, "deployment.id_taken");
        var slot = await Slot(modelId);
        Assert.Equal(JsonValueKind.Null, slot.GetProperty("live").ValueKind);
        Assert.Equal("Readiness probe failed", slot.GetProperty("failed")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_deployment_id_the_slots_document_has_let_go_is_still_taken_and_the_slot_still_shows_every_interval()
    {
        var (modelId, v1, v2, _, _) = await TwoApprovedVersions();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var key = EnvironmentSlot.StreamKey(modelId, "production");
        async Task<EnvironmentSlot> Stored()
        {
            await using var session = store.QuerySession();
            return (await session.LoadAsync<EnvironmentSlot>(key))!;
        }
        async Task Deploy(string version, string digest, string id)
        {
            await Start(modelId, version, digest, id).Expect(HttpStatusCode.Created);
            await Complete(modelId, id).Expect(HttpStatusCode.OK);
        }
        await Deploy("1.0.0", v1, "d1");
        await Deploy("1.1.0", v2, "d2");
        await Deploy("1.0.0", v1, "d3");
        await Deploy("1.1.0", v2, "d4");
        Assert.False((await Stored()).Holds("d1"));

        var before = await app.EventCount();
        await Start(modelId, "1.0.0", v1, "d1").ExpectProblem(HttpStatusCode.Conflict, "deployment.id_taken");
        await Complete(modelId, "d1").ExpectProblem(HttpStatusCode.Conflict, "deployment.not_in_flight");
        Assert.Equal(before, await app.EventCount());
        var slot = await Slot(modelId);
        Assert.Equal(
            ["d1", "d2", "d3", "d4"],
            slot.GetProperty("history").EnumerateArray().Select(i => i.GetProperty("deploymentId").GetString())
        );

        // A slot document as the previous release stored it, with every interval, is bounded by the next command on the slot.
        await using (var session = store.LightweightSession())
        {
            var events = await session.Events.FetchStreamAsync(key);
            session.Store(events.Aggregate((EnvironmentSlot?)null, (state, e) => EnvironmentSlot.Evolve(state, e.Data, 0))!);
            await session.SaveChangesAsync();
        }
        Assert.True((await Stored()).Holds("d1"));
        await Deploy("1.0.0", v1, "d5");
        Assert.Equal(["d3", "d4", "d5"], (await Stored()).History.Select(i => i.DeploymentId));
        await Start(modelId, "1.0.0", v1, "d2").ExpectProblem(HttpStatusCode.Conflict, "deployment.id_taken");
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/environments/production/rollback",
                new { pipelineRunId = "r-back", reason = "Latency regression" }
            )
            .Expect(HttpStatusCode.Created);
        Assert.Equal("1.1.0", (await Slot(modelId)).GetProperty("live").GetProperty("deployment").GetProperty("version").GetString());
    }

    /// <summary>An answer as given: its body and the position and time it states.</summary>
    private sealed record Answer(string Body, long Position, string At);

    private async Task<Answer> Ask(string path)
    {
        using var response = await _ledger.Auditor.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return new Answer(
            body,
            long.Parse(response.Headers.GetValues("Ledger-Position").Single()),
            response.Headers.GetValues("Ledger-As-Of").Single()
        );
    }

    [Fact]
    public async Task As_of_answers_for_inventory_model_version_check_and_slots_equal_the_answers_recorded_live_then()
    {
        var (modelId, v1, v2, a1, _) = await TwoApprovedVersions();
        var paths = new[]
        {
            $"/api/v1/inventory/{modelId}",
            $"/api/v1/inventory?owner=user:owner-olivia",
            Scenario.VersionPath(modelId),
            $"/api/v1/approvals/check?model={modelId}&version=1.0.0&digest={v1}&environment=production",
            $"/api/v1/models/{modelId}/environments/production",
            $"/api/v1/models/{modelId}/environments",
        };
        await _ledger.Deploy(modelId, v1, run: "r1").Expect(HttpStatusCode.Created);
        var live = new List<Answer[]> { await Task.WhenAll(paths.Select(Ask)) };
        await _ledger.Deploy(modelId, v2, run: "r2", version: "1.1.0").Expect(HttpStatusCode.Created);
        await Revoke(modelId, "1.0.0", a1);
        live.Add(await Task.WhenAll(paths.Select(Ask)));

        // Later changes: a rollback refused, an emergency rollback, another deployment.
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/environments/production/rollback",
                new
                {
                    pipelineRunId = "r3",
                    reason = "Outage",
                    emergency = true,
                }
            )
            .Expect(HttpStatusCode.Created);
        await _ledger.Deploy(modelId, v2, run: "r4", version: "1.1.0").Expect(HttpStatusCode.Created);

        foreach (var answers in live)
        foreach (var (path, then) in paths.Zip(answers))
        {
            var separator = path.Contains('?') ? '&' : '?';
            var byPosition = await Ask($"{path}{separator}asOfPosition={then.Position}&asOf={Uri.EscapeDataString(then.At)}");
            Assert.Equal(then.Position, byPosition.Position);
            Assert.Equal(then.Body, byPosition.Body);
            var byTime = await Ask($"{path}{separator}asOf={Uri.EscapeDataString(then.At)}");
            Assert.Equal(then.Position, byTime.Position);
            Assert.Equal(then.Body, byTime.Body);
        }
        var first = JsonDocument.Parse(live[0][4].Body).RootElement;
        Assert.Equal("1.0.0", first.GetProperty("live").GetProperty("deployment").GetProperty("version").GetString());
        Assert.Equal("allowed", JsonDocument.Parse(live[0][3].Body).RootElement.GetProperty("decision").GetString());
        Assert.Equal("denied", JsonDocument.Parse(live[1][3].Body).RootElement.GetProperty("decision").GetString());

        await _ledger
            .Auditor.GetAsync($"/api/v1/inventory/{modelId}?asOf=2001-01-01T00:00:00Z")
            .ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
        await _ledger
            .Auditor.GetAsync($"/api/v1/inventory/{modelId}?asOfPosition=999999999")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
    }
}
