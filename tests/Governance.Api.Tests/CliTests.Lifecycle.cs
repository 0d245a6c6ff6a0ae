using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>The lifecycle commands of issue 17: model, version show/status, validation, approval request/status/wait/revoke,
/// whoami, logout; their exit codes are what a CI step branches on.</summary>
public sealed partial class CliTests
{
    [Fact]
    public async Task Approval_wait_exits_5_while_pending_0_once_granted_and_3_once_revoked()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var requested = await Cli(
            Roles.ModelOwner,
            "approval",
            "request",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--environment",
            "production",
            "--intended-use",
            "Retail credit decisions",
            "--json"
        );
        Assert.Equal(ExitCodes.Ok, requested.Exit);
        var approvalId = JsonDocument.Parse(requested.Out).RootElement.GetProperty("id").GetString()!;

        Task<(int Exit, string Out, string Err)> Wait(int seconds) =>
            Cli(
                Roles.DeploymentPipeline,
                "approval",
                "wait",
                "--approval-id",
                approvalId,
                "--timeout",
                seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--interval",
                "1"
            );
        var pending = await Wait(0);
        Assert.Equal(ExitCodes.StillPending, pending.Exit);
        Assert.Contains("STILL PENDING", pending.Out);
        Assert.Equal(ExitCodes.StillPending, (await Cli(Roles.DeploymentPipeline, "approval", "status", "--approval-id", approvalId)).Exit);

        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        // Decided while the command waits: the second sign-off lands after its first question.
        var waiting = Wait(60);
        await Task.Delay(1500);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var granted = await waiting;
        Assert.Equal(ExitCodes.Ok, granted.Exit);
        Assert.Contains("GRANTED", granted.Out);

        var revoked = await Cli(Roles.RiskOfficer, "approval", "revoke", "--approval-id", approvalId, "--reason", "Drift beyond range");
        Assert.Equal(ExitCodes.Ok, revoked.Exit);
        Assert.Equal(ExitCodes.Denied, (await Wait(60)).Exit);
        var status = await Cli(Roles.DeploymentPipeline, "approval", "status", "--approval-id", approvalId, "--json");
        Assert.Equal(ExitCodes.Denied, status.Exit);
        Assert.Equal("Revoked", JsonDocument.Parse(status.Out).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Approval_wait_exits_3_when_rejected_and_1_for_an_unknown_approval()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions/1.0.0/approvals/{approvalId}/rejection",
                new { reason = "Not in appetite" }
            )
            .Expect(HttpStatusCode.OK);
        var rejected = await Cli(Roles.DeploymentPipeline, "approval", "wait", "--approval-id", approvalId, "--timeout", "5");
        Assert.Equal(ExitCodes.Denied, rejected.Exit);
        Assert.Contains("rejection: Not in appetite", rejected.Out);
        Assert.Equal(
            ExitCodes.InvalidInput,
            (await Cli(Roles.DeploymentPipeline, "approval", "wait", "--approval-id", "no-such-approval", "--timeout", "5")).Exit
        );
    }

    private Task<(int Exit, string Out, string Err)> RegisterModel(string modelId, string tier, params string[] more) =>
        Cli(
            Roles.ModelOwner,
            ["model", "register", "--model", modelId, "--name", "Credit", "--purpose", "Retail credit", "--risk-tier", tier, .. more]
        );

    [Fact]
    public async Task The_owner_registers_and_shows_a_model_an_unknown_delegate_is_refused_and_a_machine_client_sends_nothing()
    {
        var modelId = Scenario.NewId();
        var category = new[] { "--eu-ai-act-category", "Annex III 5(b) creditworthiness assessment" };
        Assert.Equal(
            ExitCodes.Ok,
            (await RegisterModel(modelId, "High", [.. category, "--jurisdiction", "EU", "--jurisdiction", "DE"])).Exit
        );
        Assert.Equal(ExitCodes.Denied, (await RegisterModel(modelId, "Low", "--jurisdiction", "EU")).Exit);
        var invalid = await RegisterModel(Scenario.NewId(), "High", "--jurisdiction", "eu");
        Assert.Equal(ExitCodes.InvalidInput, invalid.Exit);
        Assert.Contains("euAiActCategory", invalid.Err);
        Assert.Contains("jurisdictions", invalid.Err);
        var unknown = await Cli(Roles.ModelOwner, "model", "delegate", "--model", modelId, "--delegate", "client:nobody-registered");
        Assert.Equal(ExitCodes.InvalidInput, unknown.Exit);

        var shown = await Cli(Roles.ModelOwner, "model", "show", "--model", modelId);
        Assert.Equal(ExitCodes.Ok, shown.Exit);
        Assert.Contains("(High risk)", shown.Out);
        Assert.Contains("owner user:owner-olivia", shown.Out);
        Assert.Contains(modelId, (await Cli(Roles.ModelOwner, "model", "list", "--risk-tier", "High")).Out);
        Assert.DoesNotContain(modelId, (await Cli(Roles.ModelOwner, "model", "list", "--risk-tier", "Low")).Out);

        var nothing = new NothingSent();
        var machine = await Cli(
            nothing,
            "model",
            "register",
            "--model",
            Scenario.NewId(),
            "--name",
            "x",
            "--purpose",
            "x",
            "--risk-tier",
            "Low",
            "--jurisdiction",
            "EU",
            "--client-id",
            "ci",
            "--client-secret",
            "s",
            "--json"
        );
        Assert.Equal(ExitCodes.Denied, machine.Exit);
        Assert.Equal("access.person_required", JsonDocument.Parse(machine.Out).RootElement.GetProperty("error").GetString());
        Assert.Equal(0, nothing.Requests);
    }

    [Fact]
    public async Task Validation_is_submitted_by_the_owner_and_recorded_by_the_validator_from_a_findings_file()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var report = Write("report.md", "# Development report");
        var submitted = await Cli(
            Roles.ModelOwner,
            "validation",
            "submit",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--summary",
            "First version",
            "--report",
            report
        );
        Assert.Equal(ExitCodes.Ok, submitted.Exit);
        var version = await _ledger.GetVersion(modelId);
        Assert.Equal(
            Digest.OfBytes(File.ReadAllBytes(report)),
            version.GetProperty("validationSubmission").GetProperty("reportDigest").GetString()
        );

        var notJson = Write("bad.json", "{ outcome: Passed");
        Assert.Equal(
            ExitCodes.InvalidInput,
            (await Cli(Roles.Validator, "validation", "record", "--model", modelId, "--version", "1.0.0", "--findings", notJson)).Exit
        );
        var findings = Write(
            "findings.json",
            """
            {"outcome": "PassedWithConditions", "opinion": "Adequate; monitor drift.",
             "findings": [{"id": "F-1", "severity": "Medium", "title": "Drift", "description": null, "status": "Open"}]}
            """
        );
        var byOwner = await Cli(Roles.ModelOwner, "validation", "record", "--model", modelId, "--version", "1.0.0", "--findings", findings);
        Assert.Equal(ExitCodes.Denied, byOwner.Exit);
        var recorded = await Cli(Roles.Validator, "validation", "record", "--model", modelId, "--version", "1.0.0", "--findings", findings);
        Assert.Equal(ExitCodes.Ok, recorded.Exit);

        var status = await Cli(Roles.ModelOwner, "version", "status", "--model", modelId, "--version", "1.0.0");
        Assert.Equal(ExitCodes.Ok, status.Exit);
        Assert.Contains("validation PassedWithConditions by user:cli-validator", status.Out);
        var shown = await Cli(Roles.ModelOwner, "version", "show", "--model", modelId, "--version", "1.0.0", "--json");
        Assert.Equal("Validated", JsonDocument.Parse(shown.Out).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Whoami_names_the_person_and_logout_forgets_the_sign_in()
    {
        var me = await Cli(Roles.Validator, "whoami", "--json");
        Assert.Equal(ExitCodes.Ok, me.Exit);
        Assert.Equal(
            "user:cli-validator",
            JsonDocument.Parse(me.Out).RootElement.GetProperty("actor").GetProperty("subjectId").GetString()
        );

        var tokens = new TokenCache(Path.Combine(_folder, "tokens.json"));
        tokens.Put("http://localhost/", new TokenCache.Entry("test-token", null, DateTimeOffset.UtcNow.AddHours(1)));
        var output = new StringWriter();
        Assert.Equal(
            ExitCodes.Ok,
            await CliApp.RunAsync(["logout", "--server", "http://localhost"], output, new StringWriter(), new NothingSent(), tokens)
        );
        Assert.Contains("Signed out of http://localhost/", output.ToString());
        Assert.Null(tokens.Get("http://localhost/"));
        var after = await CliApp.RunAsync(
            ["version", "show", "--model", "m", "--version", "1.0.0", "--server", "http://localhost"],
            new StringWriter(),
            new StringWriter(),
            new NothingSent(),
            tokens
        );
        Assert.Equal(ExitCodes.ServerOrAuth, after);
    }
}

/// <summary><c>approval request --monitoring-plan --decision-policy</c> (issue 15).</summary>
public sealed partial class CliTests
{
    [Fact]
    public async Task Approval_request_sends_the_monitoring_plan_and_decision_policy_files_and_refuses_a_file_that_is_not_an_object()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var dataset = await _ledger.RegisterDataset();
        await _ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await _ledger.Validate(modelId);
        var plan = Path.Combine(_folder, "plan.json");
        await File.WriteAllTextAsync(
            plan,
            $$"""
            {"referenceDatasetDigest": "{{dataset}}", "referenceRows": 800,
             "features": [{"name": "Amount", "kind": "Numeric", "tests": [{"statistic": "KolmogorovSmirnov", "threshold": 0.05}]}],
             "prediction": {"name": "Probability", "kind": "Numeric",
                            "tests": [{"statistic": "Psi", "threshold": 0.25, "watchThreshold": 0.1}]},
             "correction": "BenjaminiHochberg", "datasetDriftShare": 0.5, "cadenceDays": 7, "onBreach": "Suspend",
             "drainPeriod": "00:30:00", "alert": ["RiskOfficer"]}
            """
        );
        var policy = Path.Combine(_folder, "policy.json");
        await File.WriteAllTextAsync(policy, """{"thresholds": [0.35], "calibrationMethod": "isotonic"}""");
        string[] Request(string planFile) =>
            [
                "approval",
                "request",
                "--model",
                modelId,
                "--version",
                "1.0.0",
                "--environment",
                "production",
                "--intended-use",
                "Retail credit decisions",
                "--monitoring-plan",
                planFile,
                "--decision-policy",
                policy,
                "--json",
            ];

        var notAnObject = Path.Combine(_folder, "list.json");
        await File.WriteAllTextAsync(notAnObject, "[1, 2]");
        var refused = await Cli(Roles.ModelOwner, Request(notAnObject));
        Assert.Equal(ExitCodes.InvalidInput, refused.Exit);
        Assert.Contains("--monitoring-plan must hold one JSON object", refused.Err);

        var requested = await Cli(Roles.ModelOwner, Request(plan));
        Assert.Equal(ExitCodes.Ok, requested.Exit);
        var approval = JsonDocument.Parse(requested.Out).RootElement;
        Assert.Equal("Suspend", approval.GetProperty("monitoringPlan").GetProperty("onBreach").GetString());
        Assert.Equal(0.35, approval.GetProperty("decisionPolicy").GetProperty("thresholds")[0].GetDouble());
    }
}
