using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Demo;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

public sealed partial class CliTests
{
    [Fact]
    public async Task A_validator_computes_records_and_verifies_the_demo_credit_models_evidence_with_the_cli()
    {
        // The demo credit model (FastTree) and its holdout split, as ./gov run seeds them.
        var trained = CreditScoringDemo.Train(Path.Combine(DemoApp.SharedDatasets, "german_credit.csv"), _folder, "1.0.0", 20, 8);
        var holdout = trained.ValidationSet.FullPath;
        var dataset = Scenario.NewId("ds");
        Assert.Equal(
            ExitCodes.Ok,
            (
                await Cli(
                    Roles.ModelOwner,
                    "dataset",
                    "register",
                    "--name",
                    dataset,
                    "--version",
                    "1",
                    "--file",
                    holdout,
                    "--rows",
                    trained.ValidationRows.ToString(),
                    "--column",
                    "Class:string",
                    "--personal-data",
                    "--legal-basis",
                    "Contract"
                )
            ).Exit
        );
        var manifest = (await _ledger.Auditor.GetAsync($"/api/v1/datasets/{dataset}/1").Expect(HttpStatusCode.OK))
            .GetProperty("manifestDigest")
            .GetString()!;
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        await _ledger.RegisterVersion(modelId, artifactDigest: trained.ArtifactSha256, datasetDigest: manifest);

        var report = Path.Combine(_folder, "report.json");
        string[] inputs = ["--artifact", trained.ArtifactPath, "--data", holdout];
        var computed = await Cli(
            Roles.Validator,
            [
                "evidence",
                "compute",
                .. inputs,
                "--label",
                "Class",
                "--positive",
                "Bad",
                "--role",
                "Holdout",
                "--cost",
                "fp=1,fn=5",
                "--protected",
                "sex=female:Personal.Female.NotSingle,Personal.Female.Single",
                "--protected",
                "Age=<25,25-59,>=60",
                "--repeats",
                "2",
                "--out",
                report,
            ]
        );
        Assert.True(computed.Exit == ExitCodes.Ok, computed.Err);
        Assert.Contains("ROC AUC", computed.Out);

        var recorded = await Cli(Roles.Validator, "evidence", "record", "--model", modelId, "--version", "1.0.0", "--report", report);
        Assert.True(recorded.Exit == ExitCodes.Ok, recorded.Err);
        Assert.Contains("Recorded EV-1", recorded.Out);
        var evidence = await _ledger.Auditor.GetFromJsonAsync<System.Text.Json.JsonElement>(Scenario.VersionPath(modelId) + "/evidence");
        Assert.Equal("Holdout", evidence[0].GetProperty("report").GetProperty("datasetRole").GetString());

        var verified = await Cli(Roles.Validator, ["evidence", "verify", "--report", report, .. inputs]);
        Assert.True(verified.Exit == ExitCodes.Ok, verified.Err);
        Assert.Contains("bit-for-bit", verified.Out);

        // A report whose numbers were edited after computing fails verification (exit 4), naming the value.
        File.WriteAllText(report, File.ReadAllText(report).Replace("\"rocAuc\": 0.", "\"rocAuc\": 0.0"));
        var tampered = await Cli(Roles.Validator, ["evidence", "verify", "--report", report, .. inputs]);
        Assert.Equal(ExitCodes.VerificationFailed, tampered.Exit);
        Assert.Contains("$.metrics.rocAuc", tampered.Err);
    }

    [Fact]
    public async Task Evidence_compute_refuses_a_missing_label_column_with_exit_1_naming_it()
    {
        var csv = Write("data.csv", "a,b\n1,2\n");
        var model = Write("model.json", "{}");
        var result = await Cli(
            Roles.Validator,
            "evidence",
            "compute",
            "--artifact",
            model,
            "--data",
            csv,
            "--label",
            "Class",
            "--positive",
            "Bad",
            "--role",
            "Holdout",
            "--out",
            Path.Combine(_folder, "r.json")
        );
        Assert.Equal(ExitCodes.InvalidInput, result.Exit);
        Assert.Contains("Class", result.Err);
    }
}
