using System.CommandLine;
using System.Net;
using System.Text.Json;
using Governance.Domain.Shared;
using Spectre.Console;

namespace Governance.Cli;

/// <summary>
/// The rest of a model's lifecycle from a terminal or a pipeline (issue 17): the inventory (model register, show, list,
/// delegate), a version's state (version show, status), independent validation (validation submit, record), approvals
/// (approval request, status, wait, revoke) and who is signed in (whoami, logout). Exit codes as <see cref="ExitCodes"/>;
/// <c>approval wait</c> adds 5, still pending at the timeout.
/// </summary>
public static partial class CliApp
{
    private const string LedgerRead = "ledger:read";
    private const string LedgerWrite = "ledger:write";

    /// <summary>A command's description followed by its <c>--help</c> examples, one command line each.</summary>
    private static string WithExamples(string description, params string[] examples) =>
        description
        + Environment.NewLine
        + Environment.NewLine
        + "Examples:"
        + string.Concat(examples.Select(e => Environment.NewLine + "  " + e));

    /// <summary>Refuses, before anything is sent, a step only a person may take (machines report; people decide).</summary>
    /// <exception cref="CliFailure">Exit 3 (<c>access.person_required</c>) for a machine client.</exception>
    private static void PersonOnly(LedgerConnection ledger, string step)
    {
        if (ledger.IsMachine)
            throw new CliFailure(
                ExitCodes.Denied,
                "access.person_required",
                $"{step} is a person's decision: sign in with 'governance login' (machine client '{ledger.ClientId}' cannot)."
            );
    }

    private static Command LogoutCommand(Runner run, TokenCache tokens) =>
        run(
            new Command(
                "logout",
                WithExamples(
                    $"Forget this machine's sign-in to the server (the tokens in $GOVERNANCE_CONFIG_DIR/tokens.json, now {tokens.Path})",
                    "governance logout",
                    "governance logout --server https://governance.bank.internal"
                )
            ),
            (_, ledger, print, _) =>
                ledger.Logout()
                    ? print($"Signed out of {ledger.Server}", new { signedOut = true, server = ledger.Server })
                    : print($"Nobody was signed in to {ledger.Server}", new { signedOut = false, server = ledger.Server })
        );

    private static Command WhoAmICommand(Runner run) =>
        run(
            new Command(
                "whoami",
                WithExamples(
                    "Who the ledger takes you to be: subject, acting role, roles and scopes (a machine client: each scope it may get)",
                    "governance whoami",
                    "GOVERNANCE_CLIENT_ID=credit-ci GOVERNANCE_CLIENT_SECRET=... governance whoami --json"
                )
            ),
            async (_, ledger, print, ct) =>
            {
                var scope = LedgerRead;
                if (ledger.IsMachine)
                {
                    // A client's token carries only the scopes it asks for, and the ledger refuses a request naming one it was not
                    // given: ask for each machine scope alone to learn which it holds.
                    var held = new List<string>();
                    foreach (var s in MachineScopes)
                        if (await ledger.ClientHoldsScopeAsync(s, ct))
                            held.Add(s);
                    if (held.Count == 0)
                        throw new CliFailure(
                            ExitCodes.Denied,
                            "no_scope",
                            $"Client '{ledger.ClientId}' holds none of the scopes {string.Join(", ", MachineScopes)}."
                        );
                    scope = string.Join(' ', held);
                }
                var me = await Expect(HttpStatusCode.OK, ledger.SendAsync(HttpMethod.Get, "api/v1/me", null, scope, null, ct));
                var actor = me.GetProperty("actor");
                return await print(
                    $"{Text(actor, "subjectId")} on {ledger.Server}: acting as {Text(actor, "role")}; roles "
                        + $"{string.Join(", ", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))}; scopes "
                        + string.Join(", ", me.GetProperty("scopes").EnumerateArray().Select(r => r.GetString())),
                    me
                );
            }
        );

    /// <summary>The scopes a machine client may be registered with (the ledger's <c>Accounts.MachineScopes</c>).</summary>
    private static readonly string[] MachineScopes = ["models:write", "approvals:read", "deployments:write", "loads:write", "metrics:read"];

    private static Command ModelCommands(Runner run)
    {
        var model = new Option<string>("--model") { Required = true, Description = "The model's id (a slug: credit-scoring-de)" };
        var name = new Option<string>("--name") { Required = true, Description = "The model's name" };
        var purpose = new Option<string>("--purpose") { Required = true, Description = "Its business purpose" };
        var tier = new Option<string>("--risk-tier") { Required = true, Description = "High, Medium or Low" };
        tier.AcceptOnlyFromAmong("High", "Medium", "Low");
        var category = new Option<string?>("--eu-ai-act-category")
        {
            Description = "Required for a high-risk model, e.g. 'Annex III 5(b) creditworthiness assessment'",
        };
        var jurisdictions = new Option<string[]>("--jurisdiction")
        {
            Required = true,
            Description = "Where it is used: a 2-3 letter code (EU, DE, UK); repeat for each",
            AllowMultipleArgumentsPerToken = true,
        };
        var reason = new Option<string?>("--reason");
        var register = run(
            new Command(
                "register",
                WithExamples(
                    "Enter a model in the inventory; you become its owner (a person: sign in with 'governance login' first)",
                    "governance model register --model credit-scoring-de --name \"Credit scoring (DE)\" --purpose \"Retail credit "
                        + "decisions\" --risk-tier High --eu-ai-act-category \"Annex III 5(b) creditworthiness assessment\" "
                        + "--jurisdiction EU --jurisdiction DE"
                )
            )
            {
                model,
                name,
                purpose,
                tier,
                category,
                jurisdictions,
                reason,
            },
            async (p, ledger, print, ct) =>
            {
                PersonOnly(ledger, "Owning a model");
                var body = new
                {
                    modelId = p.GetValue(model),
                    name = p.GetValue(name),
                    businessPurpose = p.GetValue(purpose),
                    riskTier = p.GetValue(tier),
                    euAiActCategory = p.GetValue(category),
                    jurisdictions = p.GetValue(jurisdictions),
                    reason = p.GetValue(reason),
                };
                var answer = await Expect(
                    HttpStatusCode.Created,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        "api/v1/models",
                        body,
                        LedgerWrite,
                        LedgerConnection.IdempotencyKey("model", body.modelId, body.name, body.riskTier),
                        ct
                    )
                );
                return await print($"Registered model {body.modelId} ({body.riskTier} risk); you own it", answer);
            }
        );

        var showModel = new Option<string>("--model") { Required = true };
        var show = run(
            new Command(
                "show",
                WithExamples(
                    "A model's inventory entry: owner, delegates, risk tier, each version's status, what is live where",
                    "governance model show --model credit-scoring-de"
                )
            )
            {
                showModel,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(new InputCheck().Slug(p.GetValue(showModel), "model"));
                var entry = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Get,
                        $"api/v1/inventory/{Uri.EscapeDataString(p.GetValue(showModel)!)}",
                        null,
                        LedgerRead,
                        null,
                        ct
                    )
                );
                return await print(Describe(entry), entry);
            }
        );

        var filterTier = new Option<string?>("--risk-tier") { Description = "High, Medium or Low" };
        var filterStatus = new Option<string?>("--status") { Description = "Models with a version in this status (e.g. Approved)" };
        var filterEnvironment = new Option<string?>("--environment") { Description = "Models live in this environment" };
        var filterOwner = new Option<string?>("--owner") { Description = "Models this subject owns (user:…)" };
        var list = run(
            new Command(
                "list",
                WithExamples(
                    "The model inventory, optionally filtered",
                    "governance model list",
                    "governance model list --risk-tier High --environment production --json"
                )
            )
            {
                filterTier,
                filterStatus,
                filterEnvironment,
                filterOwner,
            },
            async (p, ledger, print, ct) =>
            {
                var query = string.Join(
                    '&',
                    new[]
                    {
                        ("riskTier", p.GetValue(filterTier)),
                        ("status", p.GetValue(filterStatus)),
                        ("environment", p.GetValue(filterEnvironment)),
                        ("owner", p.GetValue(filterOwner)),
                    }
                        .Where(f => f.Item2 is not null)
                        .Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2!)}")
                );
                var entries = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(HttpMethod.Get, $"api/v1/inventory{(query.Length > 0 ? "?" + query : "")}", null, LedgerRead, null, ct)
                );
                var lines = entries
                    .EnumerateArray()
                    .Select(e =>
                    {
                        var m = e.GetProperty("model");
                        return $"{e.GetProperty("id").GetString(), -28} {m.GetProperty("riskTier").GetString(), -7} "
                            + $"{e.GetProperty("versions").GetArrayLength(), 3} versions  {m.GetProperty("name").GetString()}";
                    })
                    .ToList();
                return await print(lines.Count == 0 ? "No models." : string.Join(Environment.NewLine, lines), entries);
            }
        );

        var delegateModel = new Option<string>("--model") { Required = true };
        var delegateId = new Option<string>("--delegate")
        {
            Required = true,
            Description = "client:<client id> (a pipeline) or user:<id> (a person), holding ModelOwner",
        };
        var delegateReason = new Option<string?>("--reason");
        var delegateCommand = run(
            new Command(
                "delegate",
                WithExamples(
                    "The owner names a delegate who may register versions, submit them for validation and request approvals (never "
                        + "validate or decide): typically the training pipeline's machine client",
                    "governance model delegate --model credit-scoring-de --delegate client:credit-training-ci"
                )
            )
            {
                delegateModel,
                delegateId,
                delegateReason,
            },
            async (p, ledger, print, ct) =>
            {
                PersonOnly(ledger, "Naming a delegate");
                RefuseLocally(
                    new InputCheck().Slug(p.GetValue(delegateModel), "model").Required(p.GetValue(delegateId), "delegateId", 200)
                );
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"api/v1/models/{Uri.EscapeDataString(p.GetValue(delegateModel)!)}/delegates",
                        new { delegateId = p.GetValue(delegateId), reason = p.GetValue(delegateReason) },
                        LedgerWrite,
                        LedgerConnection.IdempotencyKey("delegate", p.GetValue(delegateModel), p.GetValue(delegateId)),
                        ct
                    )
                );
                return await print($"{p.GetValue(delegateId)} is now a delegate of {p.GetValue(delegateModel)}", answer);
            }
        );
        return new Command("model", "The model inventory: register, show, list, delegate") { register, show, list, delegateCommand };
    }

    private static string Describe(JsonElement entry)
    {
        var m = entry.GetProperty("model");
        var lines = new List<string>
        {
            $"{entry.GetProperty("id").GetString()}: {m.GetProperty("name").GetString()} ({m.GetProperty("riskTier").GetString()} risk)",
            $"  owner {m.GetProperty("ownerId").GetString()}",
        };
        if (m.GetProperty("delegates").GetArrayLength() > 0)
            lines.Add($"  delegates {string.Join(", ", m.GetProperty("delegates").EnumerateArray().Select(d => d.GetString()))}");
        foreach (var v in entry.GetProperty("versions").EnumerateArray())
            lines.Add($"  {v.GetProperty("version").GetString(), -12} {v.GetProperty("status").GetString()}");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The string at <paramref name="path"/> in an answer (a time as the ledger wrote it, RFC 3339).</summary>
    private static string? Text(JsonElement answer, params string[] path) =>
        path.Aggregate(answer, (e, name) => e.GetProperty(name)).GetString();

    private static (Option<string> Model, Option<string> Version) VersionOptions() =>
        (new Option<string>("--model") { Required = true }, new Option<string>("--version") { Required = true });

    private static Task<JsonElement> GetVersion(
        LedgerConnection ledger,
        ParseResult p,
        (Option<string> Model, Option<string> Version) o,
        CancellationToken ct
    )
    {
        RefuseLocally(new InputCheck().Slug(p.GetValue(o.Model), "model").VersionLabel(p.GetValue(o.Version), "version"));
        return Expect(
            HttpStatusCode.OK,
            ledger.SendAsync(HttpMethod.Get, VersionPath(p.GetValue(o.Model)!, p.GetValue(o.Version)!), null, LedgerRead, null, ct)
        );
    }

    private static Command VersionShow(Runner run)
    {
        var o = VersionOptions();
        return run(
            new Command(
                "show",
                WithExamples(
                    "A version's whole record: artifact, datasets, metrics, validation, approvals, deployments (--json for all of it)",
                    "governance version show --model credit-scoring-de --version 1.2.0 --json"
                )
            )
            {
                o.Model,
                o.Version,
            },
            async (p, ledger, print, ct) =>
            {
                var v = await GetVersion(ledger, p, o, ct);
                return await print(
                    string.Join(
                        Environment.NewLine,
                        $"{Text(v, "modelId")} {Text(v, "version")}: {Text(v, "status")}",
                        $"  artifact {Text(v, "artifactDigest")} at {Text(v, "artifactUri")}",
                        $"  training data {Text(v, "trainingDatasetDigest")}",
                        $"  validation data {Text(v, "validationDatasetDigest")}",
                        $"  metrics {string.Join(", ", v.GetProperty("metrics").EnumerateObject().Select(m => $"{m.Name}={m.Value}"))}",
                        $"  commit {Text(v, "codeCommit")}",
                        $"  registered by {Text(v, "registeredBy", "subjectId")} at {Text(v, "registeredAt")}"
                    ),
                    v
                );
            }
        );
    }

    private static Command VersionStatus(Runner run)
    {
        var o = VersionOptions();
        return run(
            new Command(
                "status",
                WithExamples(
                    "Where a version stands: its lifecycle status, validation outcome, each approval (environment, status, sign-offs, "
                        + "expiry) and deployments",
                    "governance version status --model credit-scoring-de --version 1.2.0"
                )
            )
            {
                o.Model,
                o.Version,
            },
            async (p, ledger, print, ct) =>
            {
                var v = await GetVersion(ledger, p, o, ct);
                var lines = new List<string> { $"{Text(v, "modelId")} {Text(v, "version")}: {Text(v, "status")}" };
                if (v.TryGetProperty("validation", out var validation) && validation.ValueKind == JsonValueKind.Object)
                    lines.Add($"  validation {Text(validation, "outcome")} by {Text(validation, "validator", "subjectId")}");
                else if (v.TryGetProperty("validationSubmission", out var submitted) && submitted.ValueKind == JsonValueKind.Object)
                    lines.Add("  validation submitted, not yet recorded");
                foreach (var a in v.GetProperty("approvals").EnumerateArray())
                    lines.Add(
                        $"  approval {a.GetProperty("id").GetString()} for {a.GetProperty("environment").GetString()}: "
                            + $"{a.GetProperty("status").GetString()} ({a.GetProperty("signOffs").GetArrayLength()} of "
                            + $"{a.GetProperty("requiredApprovals").GetInt32()} sign-offs)"
                            + (
                                a.GetProperty("expiresAt").ValueKind == JsonValueKind.String
                                    ? $", expires {a.GetProperty("expiresAt").GetDateTimeOffset():u}"
                                    : ""
                            )
                    );
                foreach (var d in v.GetProperty("deployments").EnumerateArray())
                    lines.Add($"  deployed to {Text(d, "environment")} at {Text(d, "deployedAt")}");
                return await print(
                    string.Join(Environment.NewLine, lines),
                    new
                    {
                        modelId = v.GetProperty("modelId").GetString(),
                        version = v.GetProperty("version").GetString(),
                        status = v.GetProperty("status").GetString(),
                        validation = v.TryGetProperty("validation", out var val) ? val : default(JsonElement?),
                        approvals = v.GetProperty("approvals"),
                        deployments = v.GetProperty("deployments"),
                    }
                );
            }
        );
    }

    private static Command ValidationCommands(Runner run, TextWriter output)
    {
        var o = VersionOptions();
        var summary = new Option<string?>("--summary") { Description = "What the validator should look at" };
        var reportUri = new Option<string?>("--report-uri") { Description = "Where the development report is kept" };
        var report = new Option<FileInfo?>("--report") { Description = "The report file: its SHA-256 is recorded (reportDigest)" };
        var reason = new Option<string?>("--reason");
        var submit = run(
            new Command(
                "submit",
                WithExamples(
                    "Hand a version to independent validation (the owner or a delegate, e.g. the training pipeline)",
                    "governance validation submit --model credit-scoring-de --version 1.2.0 --summary \"Retrained on 2026 Q3\" "
                        + "--report-uri s3://reports/credit/1.2.0.pdf --report report.pdf"
                )
            )
            {
                o.Model,
                o.Version,
                summary,
                reportUri,
                report,
                reason,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(new InputCheck().Slug(p.GetValue(o.Model), "model").VersionLabel(p.GetValue(o.Version), "version"));
                var reportDigest = p.GetValue(report) is { } file ? (await Hash(file.FullName, "--report", output, p, ct)).Digest : null;
                var body = new
                {
                    summary = p.GetValue(summary),
                    reportUri = p.GetValue(reportUri),
                    reportDigest,
                    reason = p.GetValue(reason),
                };
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{VersionPath(p.GetValue(o.Model)!, p.GetValue(o.Version)!)}/validation-submissions",
                        body,
                        LedgerConnection.FirstLineWriteScope,
                        LedgerConnection.IdempotencyKey("validation-submit", p.GetValue(o.Model), p.GetValue(o.Version), body),
                        ct
                    )
                );
                return await print($"Submitted {p.GetValue(o.Model)} {p.GetValue(o.Version)} for independent validation", answer);
            }
        );

        var r = VersionOptions();
        var findings = new Option<FileInfo>("--findings")
        {
            Required = true,
            Description =
                "A JSON file: {\"outcome\": \"Passed|PassedWithConditions|Failed\", \"opinion\": \"...\", \"findings\": [{\"id\", "
                + "\"severity\": \"Low|Medium|High|Critical\", \"title\", \"description\", \"status\": \"Open|Remediated|Accepted\"}]}",
        };
        var record = run(
            new Command(
                "record",
                WithExamples(
                    "Record your outcome and findings as the independent validator (a person; never the model's owner or delegate)",
                    "governance validation record --model credit-scoring-de --version 1.2.0 --findings findings.json"
                )
            )
            {
                r.Model,
                r.Version,
                findings,
            },
            async (p, ledger, print, ct) =>
            {
                PersonOnly(ledger, "Recording a validation outcome");
                RefuseLocally(new InputCheck().Slug(p.GetValue(r.Model), "model").VersionLabel(p.GetValue(r.Version), "version"));
                var text = await Read(p.GetValue(findings)!, "--findings", ct);
                JsonElement body;
                try
                {
                    body = JsonDocument.Parse(text).RootElement;
                }
                catch (JsonException e)
                {
                    throw new CliFailure(ExitCodes.InvalidInput, "invalid_findings", $"--findings is not JSON: {e.Message}");
                }
                if (body.ValueKind != JsonValueKind.Object)
                    throw new CliFailure(
                        ExitCodes.InvalidInput,
                        "invalid_findings",
                        "--findings must hold one JSON object (outcome, opinion, findings)."
                    );
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{VersionPath(p.GetValue(r.Model)!, p.GetValue(r.Version)!)}/validation",
                        body,
                        LedgerWrite,
                        LedgerConnection.IdempotencyKey(
                            "validation-record",
                            p.GetValue(r.Model),
                            p.GetValue(r.Version),
                            Digest.OfBytes(text)
                        ),
                        ct
                    )
                );
                return await print(
                    $"Recorded validation of {p.GetValue(r.Model)} {p.GetValue(r.Version)}: {body.GetProperty("outcome")}",
                    answer
                );
            }
        );
        return new Command("validation", "Independent validation: the owner submits, the validator records") { submit, record };
    }

    private static Command ApprovalRequest(Runner run)
    {
        var o = VersionOptions();
        var environment = new Option<string>("--environment") { Required = true };
        var use = new Option<string>("--intended-use") { Required = true, Description = "What the version will be used for there" };
        var reason = new Option<string?>("--reason");
        var plan = new Option<FileInfo?>("--monitoring-plan")
        {
            Description =
                "A JSON file: the post-market monitoring plan the approval covers (reference dataset digest, features and tests, "
                + "cadence, onBreach, drain period, who is alerted; docs/monitoring-plan.md). Signed with the approval.",
        };
        var policy = new Option<FileInfo?>("--decision-policy")
        {
            Description =
                "A JSON file: the decision policy the approval covers ({\"thresholds\": [0.42], \"costs\": {...}, "
                + "\"calibrationMethod\": \"platt\"}). Model servers enforcing it apply exactly these thresholds.",
        };
        return run(
            new Command(
                "request",
                WithExamples(
                    "Ask risk officers to approve this version's artifact for one environment (the owner or a delegate), optionally "
                        + "with its monitoring plan and decision policy; prints the approval id",
                    "governance approval request --model credit-scoring-de --version 1.2.0 --environment production "
                        + "--intended-use \"Retail credit decisions up to EUR 50,000\" --monitoring-plan plan.json "
                        + "--decision-policy policy.json --json | jq -r .id"
                )
            )
            {
                o.Model,
                o.Version,
                environment,
                use,
                reason,
                plan,
                policy,
            },
            async (p, ledger, print, ct) =>
            {
                RefuseLocally(
                    new InputCheck()
                        .Slug(p.GetValue(o.Model), "model")
                        .VersionLabel(p.GetValue(o.Version), "version")
                        .Slug(p.GetValue(environment), "environment")
                );
                var body = new
                {
                    environment = p.GetValue(environment),
                    intendedUse = p.GetValue(use),
                    reason = p.GetValue(reason),
                    monitoringPlan = await JsonObjectFile(p.GetValue(plan), "--monitoring-plan", ct),
                    decisionPolicy = await JsonObjectFile(p.GetValue(policy), "--decision-policy", ct),
                };
                var answer = await Expect(
                    HttpStatusCode.Created,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{VersionPath(p.GetValue(o.Model)!, p.GetValue(o.Version)!)}/approvals",
                        body,
                        LedgerConnection.FirstLineWriteScope,
                        LedgerConnection.IdempotencyKey("approval-request", p.GetValue(o.Model), p.GetValue(o.Version), body),
                        ct
                    )
                );
                return await print(
                    $"Requested approval {answer.GetProperty("id").GetString()} for {body.environment} "
                        + $"({answer.GetProperty("requiredApprovals").GetInt32()} sign-offs needed)",
                    answer
                );
            }
        );
    }

    /// <summary>A file that must hold one JSON object (the ledger checks its fields), or null when the option is absent.</summary>
    private static async Task<JsonElement?> JsonObjectFile(FileInfo? file, string option, CancellationToken ct)
    {
        if (file is null)
            return null;
        var bytes = await Read(file, option, ct);
        try
        {
            var json = JsonDocument.Parse(bytes).RootElement;
            if (json.ValueKind == JsonValueKind.Object)
                return json;
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.InvalidInput, "invalid_json", $"{option} is not JSON: {e.Message}");
        }
        throw new CliFailure(ExitCodes.InvalidInput, "invalid_json", $"{option} must hold one JSON object.");
    }

    private static Task<JsonElement> GetApproval(LedgerConnection ledger, string approvalId, CancellationToken ct)
    {
        RefuseLocally(new InputCheck().Required(approvalId, "approvalId", 200));
        return Expect(
            HttpStatusCode.OK,
            ledger.SendAsync(HttpMethod.Get, $"api/v1/approvals/{Uri.EscapeDataString(approvalId)}", null, ApprovalsRead, null, ct)
        );
    }

    /// <summary>One line on an approval: status, sign-offs, expiry, and why it ended if it did.</summary>
    private static string Summary(JsonElement a)
    {
        var text =
            $"approval {a.GetProperty("id").GetString()} ({a.GetProperty("modelId").GetString()} {a.GetProperty("version").GetString()} "
            + $"for {a.GetProperty("environment").GetString()}): {a.GetProperty("status").GetString()}, "
            + $"{a.GetProperty("signOffs").GetArrayLength()} of {a.GetProperty("requiredApprovals").GetInt32()} sign-offs";
        if (a.TryGetProperty("expiresAt", out var expires) && expires.ValueKind == JsonValueKind.String)
            text += $", expires {expires.GetDateTimeOffset():u}";
        foreach (var why in new[] { "rejectionReason", "revocationReason" })
            if (a.TryGetProperty(why, out var reason) && reason.ValueKind == JsonValueKind.String)
                text += $"; {why[..^6]}: {reason.GetString()}";
        return text;
    }

    /// <summary>
    /// The exit code of an approval's standing: 0 granted and unexpired, 3 rejected, revoked, suspended or expired (it will
    /// never allow a deployment without a new decision), 5 still pending.
    /// </summary>
    internal static int StandingExit(JsonElement approval, DateTimeOffset now) =>
        approval.GetProperty("status").GetString() switch
        {
            "Pending" => ExitCodes.StillPending,
            "Approved" when approval.GetProperty("expiresAt").GetDateTimeOffset() > now => ExitCodes.Ok,
            _ => ExitCodes.Denied,
        };

    private static Command ApprovalStatusCommand(Runner run)
    {
        var approvalId = new Option<string>("--approval-id") { Required = true };
        return run(
            new Command(
                "status",
                WithExamples(
                    "An approval's status, sign-offs and expiry. Exit 0 granted, 3 rejected, revoked, suspended or expired, 5 pending",
                    "governance approval status --approval-id 3f1c...",
                    "governance approval status --approval-id \"$APPROVAL_ID\" --json | jq -r .status"
                )
            )
            {
                approvalId,
            },
            async (p, ledger, print, ct) =>
            {
                var approval = await GetApproval(ledger, p.GetValue(approvalId)!, ct);
                await print(Summary(approval), approval);
                return StandingExit(approval, DateTimeOffset.UtcNow);
            }
        );
    }

    private static Command ApprovalWait(Runner run, TextWriter output)
    {
        var approvalId = new Option<string>("--approval-id") { Required = true };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the risk officers' decision (default 3600)",
            DefaultValueFactory = _ => 3600,
        };
        var interval = new Option<int>("--interval")
        {
            Description = "Seconds between two questions to the ledger (default 10)",
            DefaultValueFactory = _ => 10,
        };
        return run(
            new Command(
                "wait",
                WithExamples(
                    "Wait until the approval is decided: exit 0 granted, 3 rejected or revoked (or suspended, expired), 5 still "
                        + "pending at --timeout; 2 the ledger unreachable or the credentials refused",
                    "governance approval wait --approval-id \"$APPROVAL_ID\" --timeout 3600"
                )
            )
            {
                approvalId,
                timeout,
                interval,
            },
            async (p, ledger, print, ct) =>
            {
                if (p.GetValue(timeout) < 0 || p.GetValue(interval) < 1)
                    throw new CliFailure(ExitCodes.InvalidInput, "invalid_input", "--timeout must be 0 or more and --interval 1 or more.");
                var deadline = DateTimeOffset.UtcNow.AddSeconds(p.GetValue(timeout));
                var pause = TimeSpan.FromSeconds(p.GetValue(interval));
                var interactive = output == Console.Out && !Console.IsOutputRedirected && !p.GetValue<bool>("--json");
                async Task<JsonElement> Poll(Action<string> show)
                {
                    while (true)
                    {
                        var approval = await GetApproval(ledger, p.GetValue(approvalId)!, ct);
                        var left = deadline - DateTimeOffset.UtcNow;
                        if (StandingExit(approval, DateTimeOffset.UtcNow) != ExitCodes.StillPending || left <= TimeSpan.Zero)
                            return approval;
                        show($"{Summary(approval)}; waiting {left.TotalSeconds:F0} s more");
                        await Task.Delay(pause < left ? pause : left, ct);
                    }
                }
                JsonElement decided = default;
                if (interactive)
                    await AnsiConsole
                        .Status()
                        .StartAsync("Asking the ledger", async context => decided = await Poll(s => context.Status(Markup.Escape(s))));
                else
                    decided = await Poll(_ => { });
                var exit = StandingExit(decided, DateTimeOffset.UtcNow);
                await print(
                    (
                        exit == ExitCodes.StillPending ? $"STILL PENDING after {p.GetValue(timeout)} s: "
                        : exit == ExitCodes.Ok ? "GRANTED: "
                        : "NOT GRANTED: "
                    ) + Summary(decided),
                    decided
                );
                return exit;
            }
        );
    }

    private static Command ApprovalRevoke(Runner run)
    {
        var approvalId = new Option<string>("--approval-id") { Required = true };
        var reason = new Option<string>("--reason") { Required = true };
        return run(
            new Command(
                "revoke",
                WithExamples(
                    "Revoke a granted approval (a risk officer): from now on it allows no deployment, and model servers stop serving it",
                    "governance approval revoke --approval-id \"$APPROVAL_ID\" --reason \"Drift beyond the validated range\""
                )
            )
            {
                approvalId,
                reason,
            },
            async (p, ledger, print, ct) =>
            {
                PersonOnly(ledger, "Revoking an approval");
                RefuseLocally(new InputCheck().Required(p.GetValue(reason), "reason", 10_000, multiline: true));
                var approval = await GetApproval(ledger, p.GetValue(approvalId)!, ct);
                var answer = await Expect(
                    HttpStatusCode.OK,
                    ledger.SendAsync(
                        HttpMethod.Post,
                        $"{VersionPath(approval.GetProperty("modelId").GetString()!, approval.GetProperty("version").GetString()!)}"
                            + $"/approvals/{Uri.EscapeDataString(p.GetValue(approvalId)!)}/revocation",
                        new { reason = p.GetValue(reason) },
                        LedgerWrite,
                        LedgerConnection.IdempotencyKey("approval-revoke", p.GetValue(approvalId)),
                        ct
                    )
                );
                return await print($"Revoked approval {p.GetValue(approvalId)}", answer);
            }
        );
    }
}
