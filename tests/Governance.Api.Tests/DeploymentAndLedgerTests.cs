using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Approvals;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class DeploymentAndLedgerTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private async Task<long> StreamVersion(string modelId, string version = "1.0.0")
    {
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.Events.FetchStreamStateAsync($"{modelId}@{version}"))!.Version;
    }

    [Fact]
    public async Task An_approved_deployment_is_recorded_and_rolled_back()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var deployed = await _ledger.Deploy(modelId, digest, run: "gh-run-42").Expect(HttpStatusCode.Created);
        Assert.Equal(approvalId, deployed.GetProperty("approvalId").GetString());
        Assert.Equal("Deployed", (await _ledger.GetVersion(modelId)).GetProperty("status").GetString());

        var rollback = $"{Scenario.VersionPath(modelId)}/rollbacks";
        await _ledger
            .Pipeline.PostAsJsonAsync(rollback, new { environment = "production", pipelineRunId = "gh-run-43" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Pipeline.PostAsJsonAsync(
                rollback,
                new
                {
                    environment = "production",
                    pipelineRunId = "gh-run-43",
                    reason = "Latency regression",
                }
            )
            .Expect(HttpStatusCode.Created);
        await _ledger
            .Pipeline.PostAsJsonAsync(
                rollback,
                new
                {
                    environment = "production",
                    pipelineRunId = "gh-run-44",
                    reason = "again",
                }
            )
            .ExpectProblem(HttpStatusCode.Conflict, "deployment.not_live");
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                rollback,
                new
                {
                    environment = "production",
                    pipelineRunId = "x",
                    reason = "x",
                }
            )
            .Expect(HttpStatusCode.Forbidden);

        var version = await _ledger.GetVersion(modelId);
        Assert.Equal("RolledBack", version.GetProperty("status").GetString());
        Assert.Empty(version.GetProperty("liveEnvironments").EnumerateArray());
    }

    [Fact]
    public async Task A_refused_deployment_attempt_is_itself_recorded()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);

        var problem = await _ledger.Deploy(modelId, digest, run: "rogue-1").ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");
        Assert.True(problem.GetProperty("recorded").GetBoolean());
        Assert.Equal("no_approval_for_environment", problem.GetProperty("reasons")[0].GetProperty("code").GetString());

        var refused = Assert.Single((await _ledger.GetVersion(modelId)).GetProperty("refusedDeployments").EnumerateArray());
        Assert.Equal("rogue-1", refused.GetProperty("pipelineRunId").GetString());
        Assert.Equal("user:pipeline-ci", refused.GetProperty("attemptedBy").GetProperty("subjectId").GetString());
        Assert.Equal(2, await StreamVersion(modelId));
    }

    [Fact]
    public async Task Deployment_records_refuse_bad_input_other_roles_and_unknown_versions_writing_nothing()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var before = await StreamVersion(modelId);
        var problem = await _ledger
            .Pipeline.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/deployments",
                new { environment = "production", artifactDigest = "sha1:x" }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("pipelineRunId", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("artifactDigest", out _));
        await _ledger
            .Owner.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/deployments",
                new
                {
                    environment = "production",
                    pipelineRunId = "r",
                    artifactDigest = digest,
                }
            )
            .Expect(HttpStatusCode.Forbidden);
        await _ledger.Deploy(modelId, digest, version: "7.7.7").ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
        Assert.Equal(before, await StreamVersion(modelId));
    }

    [Fact]
    public async Task A_repeated_pipeline_call_with_the_same_idempotency_key_is_recorded_once()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var before = await StreamVersion(modelId);
        HttpRequestMessage Request(string run) =>
            new(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments")
            {
                Content = JsonContent.Create(
                    new
                    {
                        environment = "production",
                        pipelineRunId = run,
                        artifactDigest = digest,
                    }
                ),
                Headers = { { "Idempotency-Key", "deploy-run-77" } },
            };

        using var first = await _ledger.Pipeline.SendAsync(Request("run-77"));
        using var second = await _ledger.Pipeline.SendAsync(Request("run-77"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(before + 1, await StreamVersion(modelId));

        await _ledger.Pipeline.SendAsync(Request("run-78")).ExpectProblem(HttpStatusCode.Conflict, "idempotency.key_reused");
        Assert.Equal(before + 1, await StreamVersion(modelId));
    }

    [Fact]
    public async Task A_stale_if_match_is_a_409_and_writes_nothing()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var current = await StreamVersion(modelId);
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments")
        {
            Content = JsonContent.Create(
                new
                {
                    environment = "production",
                    pipelineRunId = "late",
                    artifactDigest = digest,
                }
            ),
            Headers = { { "If-Match", $"\"{current - 1}\"" } },
        };
        await _ledger.Pipeline.SendAsync(request).ExpectProblem(HttpStatusCode.Conflict, "concurrency.stale_version");
        Assert.Equal(current, await StreamVersion(modelId));
    }

    [Fact]
    public async Task Thirty_two_pipelines_deploying_sixteen_versions_into_one_environment_at_once_without_if_match_are_all_recorded()
    {
        // A fleet's pipelines state no version: each report is decided again from a fresh read when another got there first, and
        // this node lets the reports on the same version or the same environment slot take turns, so none runs out of attempts
        // however many arrive together. Each deployment also replaces the live version, on that version's stream.
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var versions = new List<(string Label, string Digest)> { ("1.0.0", digest) };
        for (var minor = 1; minor < 16; minor++)
        {
            var label = $"1.{minor}.0";
            var artifact = await _ledger.RegisterVersion(modelId, label);
            await _ledger.Validate(modelId, label);
            var approval = await _ledger.RequestApproval(modelId, label);
            await _ledger.SignOff(_ledger.OfficerRita, modelId, approval, artifact, version: label).Expect(HttpStatusCode.OK);
            versions.Add((label, artifact));
        }
        const int pipelines = 32;
        var together = new Barrier(pipelines);

        var answers = await Task.WhenAll(
            Enumerable
                .Range(0, pipelines)
                .Select(n =>
                    Task.Run(async () =>
                    {
                        var (label, artifact) = versions[n % versions.Count];
                        together.SignalAndWait(TimeSpan.FromSeconds(30));
                        using var response = await _ledger.Deploy(modelId, artifact, run: $"fleet-{n}", version: label);
                        return response.StatusCode;
                    })
                )
        );

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));
    }

    [Fact]
    public async Task Eight_concurrent_writers_on_one_version_lose_no_event_and_stale_ones_get_409()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var start = await StreamVersion(modelId);
        const int writers = 8;
        var firstRound = new Barrier(writers);
        var conflicts = 0;

        async Task Writer(int n)
        {
            var client = app.As($"pipeline-{n}", Governance.Domain.Shared.Roles.DeploymentPipeline);
            for (var attempt = 0; ; attempt++)
            {
                using var get = await app.As("auditor-ada", Governance.Domain.Shared.Roles.Auditor).GetAsync(Scenario.VersionPath(modelId));
                var etag = get.Headers.ETag!.Tag;
                if (attempt == 0)
                    firstRound.SignalAndWait(TimeSpan.FromSeconds(30));
                var request = new HttpRequestMessage(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments")
                {
                    Content = JsonContent.Create(
                        new
                        {
                            environment = "production",
                            pipelineRunId = $"writer-{n}",
                            artifactDigest = digest,
                        }
                    ),
                    Headers = { { "If-Match", etag } },
                };
                using var response = await client.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.Created)
                    return;
                Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                Interlocked.Increment(ref conflicts);
                Assert.True(attempt < 100, "a writer never got through");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(n => Task.Run(() => Writer(n))));

        Assert.Equal(start + writers, await StreamVersion(modelId));
        var runs = (await _ledger.GetVersion(modelId))
            .GetProperty("deployments")
            .EnumerateArray()
            .Select(d => d.GetProperty("pipelineRunId").GetString()!)
            .ToHashSet();
        Assert.Equal(Enumerable.Range(0, writers).Select(n => $"writer-{n}").ToHashSet(), runs);
        Assert.True(conflicts >= writers - 1, $"writers that read the same version must conflict: {conflicts} conflicts");
    }

    [Fact]
    public async Task The_audit_trail_lists_every_event_of_a_model_with_actor_time_reason_and_payload_in_pages()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion("High");
        var deploy = new HttpRequestMessage(HttpMethod.Post, $"{Scenario.VersionPath(modelId)}/deployments")
        {
            Content = JsonContent.Create(
                new
                {
                    environment = "production",
                    pipelineRunId = "trail",
                    artifactDigest = digest,
                }
            ),
            Headers = { { "X-Correlation-Id", "pipeline-run-trail" } },
        };
        await _ledger.Pipeline.SendAsync(deploy).Expect(HttpStatusCode.Created);

        var events = new List<JsonElement>();
        long? after = 0;
        while (after is not null)
        {
            var page = await _ledger
                .Auditor.GetAsync($"/api/v1/models/{modelId}/audit-trail?limit=3&after={after}")
                .Expect(HttpStatusCode.OK);
            events.AddRange(page.GetProperty("events").EnumerateArray());
            after = page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextAfter").GetInt64();
        }

        Assert.Equal(
            [
                "model_registered",
                "model_version_registered",
                "submitted_for_validation",
                "validation_completed",
                "approval_requested",
                "approval_signed_off",
                "approval_signed_off",
                "model_version_approved",
                "approval_attested",
                "model_version_deployed",
            ],
            events.Select(e => e.GetProperty("eventType").GetString())
        );
        Assert.All(
            events,
            e =>
            {
                Assert.False(string.IsNullOrEmpty(e.GetProperty("actor").GetProperty("subjectId").GetString()));
                Assert.False(string.IsNullOrEmpty(e.GetProperty("reason").GetString()));
                Assert.False(string.IsNullOrEmpty(e.GetProperty("correlationId").GetString()));
                Assert.StartsWith("sha256:", e.GetProperty("payloadDigest").GetString());
            }
        );
        Assert.Equal("pipeline-run-trail", events[^1].GetProperty("correlationId").GetString());
        Assert.Equal("DeploymentPipeline", events[^1].GetProperty("actor").GetProperty("role").GetString());
        Assert.True(
            events
                .Select(e => e.GetProperty("sequence").GetInt64())
                .SequenceEqual(events.Select(e => e.GetProperty("sequence").GetInt64()).Order())
        );

        await _ledger
            .Auditor.GetAsync($"/api/v1/models/{modelId}/audit-trail?limit=0")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger
            .Auditor.GetAsync($"/api/v1/models/{Scenario.NewId()}/audit-trail")
            .ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
        await _ledger.Pipeline.GetAsync($"/api/v1/models/{modelId}/audit-trail").Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_versions_record_keeps_every_deployment_and_load_while_the_document_commands_read_keeps_what_they_decide_on()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion();
        var server = app.As("model-server", Roles.DeploymentPipeline);
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var key = ModelVersion.StreamKey(modelId, "1.0.0");
        async Task<ModelVersion> Stored()
        {
            await using var session = store.QuerySession();
            return (await session.LoadAsync<ModelVersion>(key))!;
        }
        Task<HttpResponseMessage> Load(string host) =>
            server.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/loads",
                new
                {
                    environment = "production",
                    host,
                    artifactDigest = digest,
                    loaded = true,
                    approvalId,
                }
            );
        foreach (var run in new[] { "r1", "r2", "r3" })
            await _ledger.Deploy(modelId, digest, run: run).Expect(HttpStatusCode.Created);
        foreach (var host in new[] { "scorer-1", "scorer-1", "scorer-2" })
            await Load(host).Expect(HttpStatusCode.Created);

        var record = await _ledger.GetVersion(modelId);
        var deployments = record.GetProperty("deployments").EnumerateArray().ToArray();
        Assert.Equal(["r1", "r2", "r3"], deployments.Select(d => d.GetProperty("pipelineRunId").GetString()));
        Assert.Equal([false, false, true], deployments.Select(d => d.GetProperty("rolledBackAt").ValueKind == JsonValueKind.Null));
        Assert.Equal(
            ["scorer-1", "scorer-1", "scorer-2"],
            record.GetProperty("loads").EnumerateArray().Select(l => l.GetProperty("host").GetString())
        );
        var review = await app.Services.GetRequiredService<ApprovalQueries>().ReviewAsync(approvalId, CancellationToken.None);
        Assert.Equal(3, review!.Version.Deployments.Count);
        Assert.Equal(await StreamVersion(modelId), review.StreamVersion);

        // A command on the version answers with its record too, as GET gives it with the same ETag.
        var suspended = await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/suspension", new { reason = "Drift" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal(3, suspended.GetProperty("deployments").GetArrayLength());
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(suspended.GetRawText()), JsonNode.Parse((await _ledger.GetVersion(modelId)).GetRawText()))
        );
        await _ledger
            .Owner.PostAsJsonAsync($"{Scenario.VersionPath(modelId)}/suspension/lifting", new { reason = "Cleared" })
            .Expect(HttpStatusCode.OK);

        var stored = await Stored();
        Assert.Equal("r3", Assert.Single(stored.Deployments).PipelineRunId);
        Assert.Equal(["scorer-1", "scorer-2"], stored.Loads.Select(l => l.Host));

        // A document as the previous release stored it, with every deployment and load, still decides the same (a host's
        // re-verification turns on its last load) and is bounded by the next command on the version.
        await using (var session = store.LightweightSession())
        {
            var events = await session.Events.FetchStreamAsync(key);
            session.Store(events.Aggregate((ModelVersion?)null, (state, e) => ModelVersion.Evolve(state, e.Data))!);
            await session.SaveChangesAsync();
        }
        Assert.Equal(3, (await Stored()).Deployments.Count);
        await server
            .PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/verifications",
                new
                {
                    environment = "production",
                    host = "scorer-1",
                    artifactDigest = digest,
                    approvalId,
                }
            )
            .Expect(HttpStatusCode.OK);
        await Load("scorer-2").Expect(HttpStatusCode.Created);
        Assert.Single((await Stored()).Deployments);
        Assert.Equal(["scorer-1", "scorer-2"], (await Stored()).Loads.Select(l => l.Host));
        Assert.Equal(4, (await _ledger.GetVersion(modelId)).GetProperty("loads").GetArrayLength());
    }
}
