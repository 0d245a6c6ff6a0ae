using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

public sealed partial class CliTests
{
    private Task<(int Exit, string Out, string Err)> Pipeline(params string[] args) => Cli(Roles.DeploymentPipeline, args);

    [Fact]
    public async Task A_pipeline_starts_completes_fails_and_rolls_back_deployments_and_an_auditor_asks_what_was_live_then()
    {
        var (modelId, v1, _) = await _ledger.ApprovedVersion();
        var v2 = await _ledger.RegisterVersion(modelId, "1.1.0");
        await _ledger.Validate(modelId, "1.1.0");
        var a2 = await _ledger.RequestApproval(modelId, "1.1.0");
        await _ledger.SignOff(_ledger.OfficerRita, modelId, a2, v2, version: "1.1.0").Expect(HttpStatusCode.OK);
        string[] At(string version, string digest) =>
            ["--model", modelId, "--version", version, "--environment", "production", "--run-id", $"run-{version}", "--digest", digest];

        var started = await Pipeline(["deployment", "start", .. At("1.0.0", v1), "--deployment-id", "d1", "--json"]);
        Assert.True(started.Exit == ExitCodes.Ok, started.Err);
        Assert.Equal("d1", JsonDocument.Parse(started.Out).RootElement.GetProperty("deploymentId").GetString());
        var completed = await Pipeline(
            "deployment",
            "complete",
            "--model",
            modelId,
            "--environment",
            "production",
            "--deployment-id",
            "d1"
        );
        Assert.True(completed.Exit == ExitCodes.Ok, completed.Err);
        var liveThen = (await _ledger.Auditor.GetAsync("/api/v1/environments/production/history"))
            .Headers.GetValues("Ledger-As-Of")
            .Single();

        Assert.Equal(ExitCodes.Ok, (await Pipeline(["deployment", "start", .. At("1.1.0", v2), "--deployment-id", "d2"])).Exit);
        var failed = await Pipeline(
            "deployment",
            "fail",
            "--model",
            modelId,
            "--environment",
            "production",
            "--deployment-id",
            "d2",
            "--reason",
            "Readiness probe failed",
            "--json"
        );
        Assert.True(failed.Exit == ExitCodes.Ok, failed.Err);
        var noReason = await Pipeline("deployment", "fail", "--model", modelId, "--environment", "production", "--deployment-id", "d2");
        Assert.Equal(ExitCodes.InvalidInput, noReason.Exit);
        var again = await Pipeline(
            "deployment",
            "complete",
            "--model",
            modelId,
            "--environment",
            "production",
            "--deployment-id",
            "d2",
            "--json"
        );
        Assert.Equal(ExitCodes.Denied, again.Exit);
        Assert.Equal("deployment.not_in_flight", JsonDocument.Parse(again.Out).RootElement.GetProperty("error").GetString());
        Assert.Equal(ExitCodes.Ok, (await Pipeline(["deployment", "record", .. At("1.1.0", v2)])).Exit);

        var history = await Cli(Roles.Auditor, "history", "--environment", "production", "--as-of", liveThen);
        Assert.True(history.Exit == ExitCodes.Ok, history.Err);
        Assert.Contains(modelId, history.Out);
        Assert.Matches($@"{modelId}\s+1\.0\.0", history.Out);
        var now = await Cli(Roles.Auditor, "history", "--environment", "production", "--json");
        var live = JsonDocument
            .Parse(now.Out)
            .RootElement.GetProperty("liveAtPosition")
            .EnumerateArray()
            .Single(e => e.GetProperty("modelId").GetString() == modelId);
        Assert.Equal("1.1.0", live.GetProperty("interval").GetProperty("version").GetString());

        var rollback = await Pipeline(
            "deployment",
            "rollback",
            "--model",
            modelId,
            "--environment",
            "production",
            "--to",
            "previous",
            "--run-id",
            "run-rb",
            "--reason",
            "Latency regression"
        );
        Assert.True(rollback.Exit == ExitCodes.Ok, rollback.Err);
        Assert.Contains("from 1.1.0 to 1.0.0", rollback.Out);
        var slot = await Cli(Roles.Auditor, "deployment", "history", "--model", modelId, "--environment", "production");
        Assert.Contains("live 1.0.0", slot.Out);
        Assert.Contains("replaced", slot.Out);
        Assert.Contains("rolled_back", slot.Out);

        await _ledger
            .OfficerRita.PostAsJsonAsync($"{Scenario.VersionPath(modelId, "1.1.0")}/approvals/{a2}/revocation", new { reason = "Drift" })
            .Expect(HttpStatusCode.OK);
        var refused = await Pipeline(
            "deployment",
            "rollback",
            "--model",
            modelId,
            "--environment",
            "production",
            "--to",
            "previous",
            "--run-id",
            "run-rb2",
            "--reason",
            "x",
            "--json"
        );
        Assert.Equal(ExitCodes.Denied, refused.Exit);
        Assert.Equal("rollback.no_valid_approval", JsonDocument.Parse(refused.Out).RootElement.GetProperty("error").GetString());
        var bad = await Cli(Roles.Auditor, "history", "--environment", "production", "--as-of", "last tuesday");
        Assert.Equal(ExitCodes.InvalidInput, bad.Exit);
    }
}
