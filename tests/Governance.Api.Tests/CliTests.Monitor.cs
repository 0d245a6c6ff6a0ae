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
}
