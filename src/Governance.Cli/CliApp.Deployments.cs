using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Governance.Domain.Deployments;
using Governance.Domain.Shared;

namespace Governance.Cli;

/// <summary>
/// The deployment lifecycle from a pipeline (start, complete, fail, rollback --to previous) and the history an auditor asks
/// for (deployment history, history --environment E --as-of T). Exit codes: 0 done, 1 bad input (nothing sent or recorded),
/// 2 the ledger unreachable or credentials refused, 3 the ledger said no (refused and recorded, or a state conflict).
/// </summary>
public static partial class CliApp
{
    private const string DeploymentsWrite = "deployments:write";
    private const string ApprovalsRead = "approvals:read";

    private static Command DeploymentStart(
        Runner run,
        TextWriter output,
        Option<string> model,
        Option<string> version,
        Option<string> environment,
        Option<string> runId,
        Option<string?> digest,
        Option<string?> artifact
    )
    {
        var deploymentId = new Option<string?>("--deployment-id")
        {
            Description = "Your id for this deployment (default: one the ledger makes); complete and fail name it",
        };
        var slot = new Option<SlotKind?>("--slot") { Description = "Live (default), Canary or Shadow" };
        var share = new Option<int?>("--traffic-percent") { Description = "The slot's share of requests: 1-99 for a canary" };
        return run(
            new Command(
                "start",
                "Start a deployment: the approval check is made now and recorded with it; without an active approval the ledger "
                    + "refuses (and records) it: exit 3. Prints the deployment id."
            )
            {
                model,
                version,
                environment,
                runId,
                digest,
                artifact,
                deploymentId,
                slot,
                share,
            },
            async (p, ledger, print, ct) =>
            {
                var sha = await DigestOf(p, digest, artifact, output, ct);
                var body = new StartDeployment(
                    p.GetValue(environment),
                    p.GetValue(runId),
                    sha,
                    p.GetValue(deploymentId),
                    p.GetValue(slot),
                    p.GetValue(share)
                );
                RefuseLocally(
                    DeploymentLifecycle.Check(body).Slug(p.GetValue(model), "model").VersionLabel(p.GetValue(version), "version")
                );
                var answer = await Expect(
                    HttpStatusCode.Created,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{VersionPath(p.GetValue(model)!, p.GetValue(version)!)}/deployments/start",
                        body,
                        DeploymentsWrite,
                        LedgerConnection.IdempotencyKey("deployment-start", p.GetValue(model), p.GetValue(version), body),
                        ct
                    )
                );
                return await print(
                    $"Started deployment {answer.GetProperty("deploymentId").GetString()} of {p.GetValue(model)} {p.GetValue(version)} "
                        + $"to {body.Environment} under approval {answer.GetProperty("approvalId").GetString()} "
                        + $"(expires {answer.GetProperty("approvalExpiresAt").GetDateTimeOffset():u})",
                    answer
                );
            }
        );
    }

    /// <summary><c>deployment complete</c> or <c>deployment fail</c>: a step on a started deployment.</summary>
    private static Command DeploymentStep(Runner run, string step)
    {
        var model = new Option<string>("--model") { Required = true };
        var environment = new Option<string>("--environment") { Required = true };
        var deploymentId = new Option<string>("--deployment-id") { Required = true, Description = "As printed by deployment start" };
        var reason = new Option<string?>("--reason") { Required = step == "fail", Description = "Why it failed (or a note)" };
        var complete = step == "complete";
        return run(
            new Command(
                step,
                complete
                    ? "The deployment finished rolling out: it becomes the environment's live version (or canary, shadow). It completes "
                        + "even if its approval expired, was revoked or suspended meanwhile, and says so."
                    : "The deployment failed: the environment keeps what it had."
            )
            {
                model,
                environment,
                deploymentId,
                reason,
            },
            async (p, ledger, print, ct) =>
            {
                var check = new InputCheck()
                    .Slug(p.GetValue(model), "model")
                    .Slug(p.GetValue(environment), "environment")
                    .Slug(p.GetValue(deploymentId), "deploymentId");
                RefuseLocally(complete ? check.Optional(p.GetValue(reason), "reason") : check.Required(p.GetValue(reason), "reason"));
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{SlotPath(p.GetValue(model)!, p.GetValue(environment)!)}/deployments/"
                            + $"{Uri.EscapeDataString(p.GetValue(deploymentId)!)}/{(complete ? "completion" : "failure")}",
                        new { reason = p.GetValue(reason) },
                        DeploymentsWrite,
                        LedgerConnection.IdempotencyKey(
                            $"deployment-{step}",
                            p.GetValue(model),
                            p.GetValue(environment),
                            p.GetValue(deploymentId)
                        ),
                        ct
                    )
                );
                var recorded = answer.GetProperty("recorded");
                var standing = recorded.TryGetProperty("approvalStanding", out var s) ? s.GetString() : null;
                return await print(
                    complete
                        ? $"Completed deployment {p.GetValue(deploymentId)}"
                            + (standing is null or "Valid" ? "" : $": its approval {standing.ToLowerInvariant()} during the rollout")
                        : $"Recorded the failure of deployment {p.GetValue(deploymentId)}",
                    answer
                );
            }
        );
    }

    private static Command DeploymentRollback(Runner run)
    {
        var model = new Option<string>("--model") { Required = true };
        var environment = new Option<string>("--environment") { Required = true };
        var to = new Option<string>("--to") { Required = true, Description = "previous: the version live before the current one" };
        to.AcceptOnlyFromAmong("previous");
        var runId = new Option<string>("--run-id") { Required = true, Description = "The pipeline run that rolls back" };
        var reason = new Option<string>("--reason") { Required = true };
        var emergency = new Option<bool>("--emergency")
        {
            Description = "Roll back even if the previous version holds no valid approval: recorded as an emergency rollback, flagged",
        };
        return run(
            new Command(
                "rollback",
                "Restore the previous version if it still holds a valid approval for the environment; otherwise exit 3 (nothing "
                    + "recorded), unless --emergency"
            )
            {
                model,
                environment,
                to,
                runId,
                reason,
                emergency,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(
                    new InputCheck()
                        .Slug(p.GetValue(model), "model")
                        .Slug(p.GetValue(environment), "environment")
                        .Required(p.GetValue(runId), "pipelineRunId", 200)
                        .Required(p.GetValue(reason), "reason", 10_000, multiline: true)
                );
                var body = new RollbackDeployment(p.GetValue(runId), p.GetValue(reason), p.GetValue(emergency));
                var answer = await Expect(
                    HttpStatusCode.Created,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{SlotPath(p.GetValue(model)!, p.GetValue(environment)!)}/rollback",
                        body,
                        DeploymentsWrite,
                        LedgerConnection.IdempotencyKey("rollback", p.GetValue(model), p.GetValue(environment), body),
                        ct
                    )
                );
                var recorded = answer.GetProperty("recorded");
                return await print(
                    $"Rolled {p.GetValue(environment)} back from {recorded.GetProperty("rolledBackVersion").GetString()} to "
                        + $"{recorded.GetProperty("version").GetString()}"
                        + (recorded.GetProperty("emergency").GetBoolean() ? " as an EMERGENCY rollback without a valid approval" : ""),
                    answer
                );
            }
        );
    }

    /// <summary>The <c>--as-of</c> and <c>--as-of-position</c> of a history question, as the API's query string.</summary>
    private static (Option<string?> AsOf, Option<long?> Position) AsOfOptions() =>
        (
            new Option<string?>("--as-of") { Description = "A past moment, RFC 3339 with its offset (2026-03-14T10:00:00Z)" },
            new Option<long?>("--as-of-position") { Description = "A past ledger position" }
        );

    private static string AsOfQuery(ParseResult p, (Option<string?> AsOf, Option<long?> Position) options)
    {
        var parts = new List<string>();
        if (p.GetValue(options.AsOf) is { } at)
            parts.Add($"asOf={Uri.EscapeDataString(at)}");
        if (p.GetValue(options.Position) is { } position)
            parts.Add($"asOfPosition={position.ToString(CultureInfo.InvariantCulture)}");
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static Command DeploymentHistory(Runner run)
    {
        var model = new Option<string>("--model") { Required = true };
        var environment = new Option<string>("--environment") { Required = true };
        var asOf = AsOfOptions();
        return run(
            new Command("history", "One model's slot in an environment: live, canary, shadow, each interval from and to")
            {
                model,
                environment,
                asOf.AsOf,
                asOf.Position,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(new InputCheck().Slug(p.GetValue(model), "model").Slug(p.GetValue(environment), "environment"));
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Get,
                        $"{SlotPath(p.GetValue(model)!, p.GetValue(environment)!)}{AsOfQuery(p, asOf)}",
                        null,
                        ApprovalsRead,
                        null,
                        ct
                    )
                );
                var lines = answer
                    .GetProperty("history")
                    .EnumerateArray()
                    .Select(i =>
                        $"  {i.GetProperty("slot").GetString(), -6} {i.GetProperty("version").GetString(), -12} "
                        + $"from {i.GetProperty("from").GetDateTimeOffset():u} (#{i.GetProperty("fromPosition").GetInt64()}) "
                        + (
                            i.GetProperty("toPosition").ValueKind == JsonValueKind.Null
                                ? "until now"
                                : $"to {i.GetProperty("to").GetDateTimeOffset():u} (#{i.GetProperty("toPosition").GetInt64()}, "
                                    + $"{i.GetProperty("endedBy").GetString()})"
                        )
                    );
                return await print(
                    $"{p.GetValue(model)} in {p.GetValue(environment)} at ledger position {answer.GetProperty("position").GetInt64()}: "
                        + $"live {Occupant(answer.GetProperty("live"))}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}",
                    answer
                );
            }
        );
    }

    /// <summary><c>governance history --environment E --as-of T</c>: which version of each model was live there then.</summary>
    private static Command EnvironmentHistoryCommand(Runner run)
    {
        var environment = new Option<string>("--environment") { Required = true };
        var asOf = AsOfOptions();
        return run(
            new Command("history", "What was live in an environment, now or --as-of a past moment: each model's version, who approved")
            {
                environment,
                asOf.AsOf,
                asOf.Position,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(new InputCheck().Slug(p.GetValue(environment), "environment"));
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Get,
                        $"api/v1/environments/{Uri.EscapeDataString(p.GetValue(environment)!)}/history{AsOfQuery(p, asOf)}",
                        null,
                        ApprovalsRead,
                        null,
                        ct
                    )
                );
                var live = answer
                    .GetProperty("liveAtPosition")
                    .EnumerateArray()
                    .Select(e =>
                    {
                        var i = e.GetProperty("interval");
                        return $"  {e.GetProperty("modelId").GetString(), -24} {i.GetProperty("version").GetString(), -12} "
                            + $"approval {(i.GetProperty("approvalId").GetString() ?? "NONE (emergency rollback)")}, "
                            + $"live since {i.GetProperty("from").GetDateTimeOffset():u}";
                    });
                return await print(
                    $"Live in {p.GetValue(environment)} as of {answer.GetProperty("asOf").GetDateTimeOffset():u} "
                        + $"(ledger position {answer.GetProperty("position").GetInt64()}):{Environment.NewLine}"
                        + string.Join(Environment.NewLine, live),
                    answer
                );
            }
        );
    }

    private static string Occupant(JsonElement standing) =>
        standing.ValueKind == JsonValueKind.Null
            ? "none"
            : standing.GetProperty("deployment").GetProperty("version").GetString()
                + (
                    standing.GetProperty("runningWithValidApproval").GetBoolean()
                        ? ""
                        : $" (RUNNING WITHOUT A VALID APPROVAL: {standing.GetProperty("code").GetString()})"
                );

    private static string VersionPath(string model, string version) =>
        $"api/v1/models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(version)}";

    private static string SlotPath(string model, string environment) =>
        $"api/v1/models/{Uri.EscapeDataString(model)}/environments/{Uri.EscapeDataString(environment)}";

    /// <summary>The answer when the ledger answered <paramref name="expected"/>; else its refusal as the failure and exit code.</summary>
    private static async Task<JsonElement> Expect(HttpStatusCode expected, Task<(HttpStatusCode Status, JsonElement Body)> call)
    {
        var (status, answer) = await call;
        return status == expected ? answer : throw LedgerConnection.Refusal(status, answer);
    }
}
