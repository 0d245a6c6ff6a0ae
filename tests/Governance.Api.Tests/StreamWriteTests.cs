using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Deployments;
using Governance.Ledger.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// The write path's reads: a command names, when its write opens, the other streams its decision reads (a deployment: its
/// environment slot); they are read with its own stream in one round trip and held at the versions read then.
/// </summary>
public sealed class StreamWriteTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task A_slot_named_when_the_write_opens_is_read_then_and_a_deployment_started_in_it_before_the_commit_is_a_conflict()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var slotKey = EnvironmentSlot.StreamKey(modelId, "production");
        var call = new CommandCall(Caller.FromToken("pipeline-test", "pipeline-test", [Roles.DeploymentPipeline]), "corr-prefetch");
        await using var write = await app
            .Services.GetRequiredService<LedgerWriter>()
            .BeginAsync<ModelVersion>(
                ModelVersion.StreamKey(modelId, "1.0.0"),
                ModelVersion.Evolve,
                call,
                DeploymentRecords.Roles,
                [OtherStream.Of<EnvironmentSlot>(slotKey)],
                CancellationToken.None
            );

        // Another pipeline starts a deployment into the slot (the slot's stream only; the version's is left as it was).
        await _ledger
            .Pipeline.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/deployments/start",
                new
                {
                    environment = "production",
                    pipelineRunId = "run-other",
                    artifactDigest = digest,
                    deploymentId = "dep-other",
                }
            )
            .Expect(HttpStatusCode.Created);

        // The slot as it was when the write opened: no deployment in flight, and none read since.
        Assert.Null(await write.FetchOtherAsync<EnvironmentSlot>(slotKey, CancellationToken.None));
        write.AppendTo(
            slotKey,
            new DeploymentStarted(
                modelId,
                "production",
                "dep-mine",
                "1.0.0",
                digest,
                "run-mine",
                SlotKind.Live,
                100,
                "approval",
                DateTimeOffset.UtcNow.AddDays(1),
                new Audit(call.Caller.ActingIn(DeploymentRecords.Roles), DateTimeOffset.UtcNow, "test", call.CorrelationId)
            )
        );
        var refused = await Assert.ThrowsAsync<GovernanceRuleException>(() => write.CommitAsync("started", CancellationToken.None));
        Assert.Equal(LedgerWriter.StaleVersion, refused.Code);

        var slot = await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/environments/production").Expect(HttpStatusCode.OK);
        Assert.Equal("dep-other", Assert.Single(slot.GetProperty("inFlight").EnumerateArray()).GetProperty("deploymentId").GetString());
    }
}
