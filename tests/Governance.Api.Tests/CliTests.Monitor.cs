using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

public sealed partial class CliTests
{
    private static readonly JsonSerializerOptions PlanJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    [Fact]
    public async Task The_owner_monitors_with_the_cli_and_anyone_with_the_files_verifies_the_report_a_changed_sample_exits_4()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var referenceText = MonitoringEndpointTests.Table(400, 0, 11);
        var reference = Write("reference.csv", referenceText);
        var sample = Write("sample.csv", MonitoringEndpointTests.Table(300, 3000, 12));
        var plan = Write("plan.json", JsonSerializer.Serialize(MonitoringEndpointTests.Plan(Digest.OfText(referenceText)), PlanJson));
        var end = app.Clock.GetUtcNow().ToString("O");
        string[] common = ["--model", modelId, "--version", "1.0.0", "--environment", "production", "--plan", plan, "--window-end", end];

        var recorded = await Cli(Roles.ModelOwner, ["monitor", .. common, "--reference", reference, "--sample", sample, "--json"]);

        Assert.True(recorded.Exit == ExitCodes.Ok, recorded.Err);
        var answer = JsonDocument.Parse(recorded.Out).RootElement;
        var reportId = answer.GetProperty("reportId").GetString()!;
        Assert.Equal("Breach", answer.GetProperty("report").GetProperty("verdict").GetString());
        var verified = await Cli(
            Roles.Auditor,
            "monitor",
            "verify",
            "--report",
            reportId,
            "--reference",
            reference,
            "--sample",
            sample,
            "--json"
        );
        Assert.True(verified.Exit == ExitCodes.Ok, verified.Err + verified.Out);
        Assert.True(JsonDocument.Parse(verified.Out).RootElement.GetProperty("matches").GetBoolean());

        // One changed value: the digest no longer matches the recorded one.
        File.WriteAllText(sample, File.ReadAllText(sample).Replace("north", "south"));
        var changed = await Cli(
            Roles.Auditor,
            "monitor",
            "verify",
            "--report",
            reportId,
            "--reference",
            reference,
            "--sample",
            sample,
            "--json"
        );
        Assert.Equal(ExitCodes.VerificationFailed, changed.Exit);
        Assert.Contains("sampleDigest", changed.Out + changed.Err);

        var noColumn = Write("no-column.csv", "income,score\n41000,0.5\n");
        var bad = await Cli(Roles.ModelOwner, ["monitor", .. common, "--reference", reference, "--sample", noColumn]);
        Assert.Equal(ExitCodes.InvalidInput, bad.Exit);
        Assert.Contains("no column \"region\"", bad.Err);
        var empty = Write("empty.csv", "income,region,score\n");
        Assert.Contains("no rows", (await Cli(Roles.ModelOwner, ["monitor", .. common, "--reference", reference, "--sample", empty])).Err);
    }

    [Fact]
    public async Task Under_an_approval_with_a_signed_plan_monitor_needs_no_plan_file_and_a_breach_reaches_the_risk_officers_queue()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "Low");
        var referenceText = MonitoringEndpointTests.Table(400, 0, modelId.GetHashCode());
        var dataset = (
            await _ledger
                .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(Scenario.NewId("ds"), Digest.OfText(referenceText)))
                .Expect(HttpStatusCode.Created)
        )
            .GetProperty("manifestDigest")
            .GetString()!;
        var digest = await _ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await _ledger.Validate(modelId);
        var approvalId = (
            await _ledger
                .Owner.PostAsync(
                    $"{Scenario.VersionPath(modelId)}/approvals",
                    JsonContent.Create(
                        new
                        {
                            environment = "production",
                            intendedUse = "Retail credit decisions",
                            monitoringPlan = MonitoringEndpointTests.Plan(dataset),
                        },
                        options: PlanJson
                    )
                )
                .Expect(HttpStatusCode.Created)
        ).GetProperty("id").GetString()!;
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var reference = Write("reference.csv", referenceText);
        var sample = Write("sample.csv", MonitoringEndpointTests.Table(300, 3000, 12));
        string[] monitor =
        [
            "monitor",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--environment",
            "production",
            "--window-end",
            app.Clock.GetUtcNow().ToString("O"),
            "--reference",
            reference,
            "--sample",
            sample,
        ];

        var recorded = await Cli(Roles.ModelOwner, monitor);

        Assert.True(recorded.Exit == ExitCodes.Ok, recorded.Err);
        Assert.Contains($"plan approval:{approvalId}", recorded.Out);
        Assert.Contains($"approval {approvalId} under review", recorded.Out);
        var queue = await _ledger.OfficerRavi.GetAsync("/api/v1/approvals/reviews").Expect(HttpStatusCode.OK);
        Assert.Contains(queue.EnumerateArray(), r => r.GetProperty("approvalId").GetString() == approvalId);
        // Without an approval's plan in the environment, the CLI says to state one (exit 1: not found).
        var staging = await Cli(Roles.ModelOwner, [.. monitor.Select(a => a == "production" ? "staging" : a)]);
        Assert.Equal(ExitCodes.InvalidInput, staging.Exit);
        Assert.Contains("monitoring.no_plan", staging.Err);
    }
}
