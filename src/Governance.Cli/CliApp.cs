using System.CommandLine;
using System.Net;
using System.Text.Json;
using Governance.Attestations;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Spectre.Console;

namespace Governance.Cli;

/// <summary>The commands. Every command prints a human summary, or one JSON object with --json, and exits with an <see cref="ExitCodes"/>
/// value.</summary>
public static partial class CliApp
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        HttpMessageHandler? transport = null,
        TokenCache? tokens = null
    ) =>
        Build(output, error, transport, tokens ?? TokenCache.Default())
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

    private sealed record Globals(
        Option<string> Server,
        Option<string?> ClientId,
        Option<string?> ClientSecret,
        Option<bool> Json,
        Option<string?> CorrelationId
    );

    public static RootCommand Build(TextWriter output, TextWriter error, HttpMessageHandler? transport, TokenCache tokens)
    {
        var g = new Globals(
            new Option<string>("--server")
            {
                Description = "The ledger's base URL (env GOVERNANCE_URL)",
                Recursive = true,
                DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GOVERNANCE_URL") ?? "http://127.0.0.1:5080",
            },
            new Option<string?>("--client-id")
            {
                Description = "Machine client id for client credentials (env GOVERNANCE_CLIENT_ID)",
                Recursive = true,
                DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GOVERNANCE_CLIENT_ID"),
            },
            new Option<string?>("--client-secret")
            {
                // No DefaultValueFactory: help prints defaults, and a pipeline's --help must not write its secret to a CI log.
                Description = "Machine client secret (env GOVERNANCE_CLIENT_SECRET)",
                Recursive = true,
            },
            new Option<bool>("--json") { Description = "Print one JSON object on stdout", Recursive = true },
            new Option<string?>("--correlation-id")
            {
                Description = "Stored on every event this call writes (default: GITHUB_RUN_ID or CI_PIPELINE_ID)",
                Recursive = true,
                DefaultValueFactory = _ =>
                    Environment.GetEnvironmentVariable("GITHUB_RUN_ID") ?? Environment.GetEnvironmentVariable("CI_PIPELINE_ID"),
            }
        );
        var root = new RootCommand("Governance: check approvals, verify attestations and record deployments from a pipeline.")
        {
            g.Server,
            g.ClientId,
            g.ClientSecret,
            g.Json,
            g.CorrelationId,
        };

        Command Run(
            Command command,
            Func<ParseResult, LedgerConnection, Func<string, object, Task<int>>, CancellationToken, Task<int>> action
        )
        {
            command.SetAction(
                async (parse, ct) =>
                {
                    var json = parse.GetValue(g.Json);
                    var server = parse.GetValue(g.Server)!.TrimEnd('/') + "/";
                    var http = new HttpClient(transport ?? new HttpClientHandler(), disposeHandler: transport is null)
                    {
                        BaseAddress = new Uri(server),
                        Timeout = TimeSpan.FromSeconds(60),
                    };
                    var ledger = new LedgerConnection(
                        http,
                        server,
                        parse.GetValue(g.ClientId),
                        parse.GetValue(g.ClientSecret) ?? Environment.GetEnvironmentVariable("GOVERNANCE_CLIENT_SECRET"),
                        tokens,
                        parse.GetValue(g.CorrelationId)
                    );
                    Task<int> Print(string human, object result)
                    {
                        output.WriteLine(json ? JsonSerializer.Serialize(result, Json) : human);
                        return Task.FromResult(ExitCodes.Ok);
                    }
                    try
                    {
                        return await action(parse, ledger, Print, ct);
                    }
                    catch (CliFailure failure)
                    {
                        if (json)
                            output.WriteLine(
                                JsonSerializer.Serialize(
                                    new
                                    {
                                        error = failure.Code,
                                        message = failure.Message,
                                        exitCode = failure.ExitCode,
                                        details = failure.Details,
                                    },
                                    Json
                                )
                            );
                        error.WriteLine($"governance: {failure.Message}");
                        return failure.ExitCode;
                    }
                    finally
                    {
                        http.Dispose();
                    }
                }
            );
            return command;
        }

        // login
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the browser confirmation",
            DefaultValueFactory = _ => 300,
        };
        root.Add(
            Run(
                new Command("login", "Sign in as yourself with the device flow (for people; pipelines use client credentials)") { timeout },
                async (p, ledger, print, ct) =>
                {
                    await ledger.LoginAsync(output, TimeSpan.FromSeconds(p.GetValue(timeout)), ct);
                    return await print($"Signed in to {ledger.Server}", new { signedIn = true, server = ledger.Server });
                }
            )
        );

        root.Add(LogoutCommand(Run, tokens));
        root.Add(WhoAmICommand(Run));
        root.Add(ModelCommands(Run));
        root.Add(DatasetCommands(Run, output));
        root.Add(VersionCommands(Run, output));
        root.Add(ValidationCommands(Run, output));
        root.Add(ApprovalCommands(Run, output));
        root.Add(AttestationCommands(Run, output));
        root.Add(DeploymentCommands(Run, output));
        root.Add(EnvironmentHistoryCommand(Run));
        root.Add(LedgerVerify.Command((c, a) => Run(c, a)));
        root.Add(EvidenceCommands(Run, output));
        root.Add(MonitorCommands(Run));
        return root;
    }

    private delegate Command Runner(
        Command command,
        Func<ParseResult, LedgerConnection, Func<string, object, Task<int>>, CancellationToken, Task<int>> action
    );

    private static Command DatasetCommands(Runner run, TextWriter output)
    {
        var name = new Option<string>("--name") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var files = new Option<FileInfo[]>("--file")
        {
            Required = true,
            Description = "A file of the dataset (repeat for each)",
            AllowMultipleArgumentsPerToken = true,
        };
        var rows = new Option<long>("--rows") { Required = true };
        var columns = new Option<string[]>("--column")
        {
            Required = true,
            Description = "name:type (repeat for each column)",
            AllowMultipleArgumentsPerToken = true,
        };
        var personal = new Option<bool>("--personal-data")
        {
            Description = "The dataset holds personal data (then --legal-basis is required)",
        };
        var basis = new Option<LegalBasis?>("--legal-basis");
        var description = new Option<string?>("--description");
        var register = run(
            new Command("register", "Register a dataset version: hashes each file (SHA-256, size) and the manifest")
            {
                name,
                version,
                files,
                rows,
                columns,
                personal,
                basis,
                description,
            },
            async (p, ledger, print, ct) =>
            {
                var given = p.GetValue(files)!;
                // The ledger's manifest rules, checked before hashing: the same field names as the ledger's 400, nothing sent.
                var pathProblems = FileManifest.PathProblems(given.Select(f => (string?)f.Name).ToArray());
                if (pathProblems.Count > 0)
                    throw new CliFailure(
                        ExitCodes.InvalidInput,
                        "invalid_input",
                        string.Join(
                            "; ",
                            pathProblems.Select(e =>
                                $"files[{e.Index}].path (--file {TextRules.Printable(given[e.Index].FullName)}): {e.Problem}"
                            )
                        )
                    );
                var hashed = new List<DatasetFile>();
                foreach (var file in given)
                {
                    var (digest, size) = await Hash(file.FullName, "--file", output, p, ct);
                    hashed.Add(new DatasetFile(file.Name, digest, size));
                }
                var schema = p.GetValue(columns)!
                    .Select(c =>
                        c.Split(':', 2) is [var n, var t] && n.Length > 0 && t.Length > 0
                            ? new DatasetColumn(n, t)
                            : throw new CliFailure(ExitCodes.InvalidInput, "invalid_column", $"--column '{c}' must be name:type")
                    )
                    .ToArray();
                var manifest = Dataset.ManifestDigestOf(hashed);
                RefuseLocally(
                    RegisterDatasetDecision.Check(
                        new RegisterDataset(
                            p.GetValue(name),
                            p.GetValue(version),
                            p.GetValue(description),
                            hashed,
                            manifest,
                            p.GetValue(rows),
                            schema,
                            p.GetValue(personal),
                            p.GetValue(basis),
                            null
                        )
                    )
                );
                var body = new
                {
                    name = p.GetValue(name),
                    version = p.GetValue(version),
                    description = p.GetValue(description),
                    files = hashed,
                    manifestDigest = manifest,
                    rowCount = p.GetValue(rows),
                    schema,
                    containsPersonalData = p.GetValue(personal),
                    legalBasis = p.GetValue(basis)?.ToString(),
                };
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Post,
                    "api/v1/datasets",
                    body,
                    LedgerConnection.FirstLineWriteScope,
                    LedgerConnection.IdempotencyKey("dataset", body.name, body.version, manifest),
                    ct
                );
                if (status != HttpStatusCode.Created)
                    throw LedgerConnection.Refusal(status, answer);
                return await print($"Registered dataset {body.name} {body.version}: manifest {manifest} ({hashed.Count} files)", answer);
            }
        );
        return new Command("dataset", "The dataset register") { register };
    }

    /// <summary>
    /// Refuses what the ledger would refuse for the command's own fields, with exit 1 (<see cref="ExitCodes.InvalidInput"/>)
    /// and the ledger's field names, before anything is sent: the same domain checks the server runs, which stays the
    /// authority (state, such as an unknown dataset digest, is only known there).
    /// </summary>
    /// <exception cref="CliFailure">The check found problems; its details map each field to its problems.</exception>
    /// <summary>"1 key", "2 keys".</summary>
    private static string Counted(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static void RefuseLocally(InputCheck check)
    {
        try
        {
            check.ThrowIfAny();
        }
        catch (GovernanceRuleException refused)
        {
            throw new CliFailure(
                ExitCodes.InvalidInput,
                refused.Code,
                $"{refused.Message} (checked locally; nothing was sent)",
                refused.FieldErrors
            );
        }
    }

    private static Command VersionCommands(Runner run, TextWriter output)
    {
        var model = new Option<string>("--model") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var artifact = new Option<string>("--artifact")
        {
            Required = true,
            Description = "The model file, or a model directory (its files are hashed in parallel and registered as a manifest)",
        };
        var uri = new Option<string>("--uri")
        {
            Required = true,
            Description = "Where the artifact is kept (e.g. s3://models/credit/1.2.0/model.zip)",
        };
        var format = new Option<string>("--format") { Required = true, Description = "MlNetZip, Onnx or Other" };
        var training = new Option<string>("--training-dataset")
        {
            Required = true,
            Description = "Manifest digest of the training dataset",
        };
        var validation = new Option<string>("--validation-dataset")
        {
            Required = true,
            Description = "Manifest digest of the validation dataset",
        };
        var metrics = new Option<string[]>("--metric") { Description = "name=value (repeat)", AllowMultipleArgumentsPerToken = true };
        var parameters = new Option<string[]>("--param") { Description = "name=value (repeat)", AllowMultipleArgumentsPerToken = true };
        var commit = new Option<string>("--commit") { Required = true, Description = "Code commit that produced the artifact" };
        var register = run(
            new Command("register", "Register a model version from its artifact file or model directory")
            {
                model,
                version,
                artifact,
                uri,
                format,
                training,
                validation,
                metrics,
                parameters,
                commit,
            },
            async (p, ledger, print, ct) =>
            {
                foreach (
                    var (option, value) in new[]
                    {
                        ("--training-dataset", p.GetValue(training)),
                        ("--validation-dataset", p.GetValue(validation)),
                    }
                )
                    if (!Digest.IsSha256(value))
                        throw new CliFailure(ExitCodes.InvalidInput, "invalid_digest", $"{option} must be sha256:<64 hex>, got '{value}'");
                var (digest, size, files) = await HashArtifact(p.GetValue(artifact)!, ExitCodes.InvalidInput, output, p, ct);
                var artifactFiles = files?.Select(f => new ArtifactFile(f.Path, f.Sha256, f.Size)).ToArray();
                var body = new
                {
                    version = p.GetValue(version),
                    artifactUri = p.GetValue(uri),
                    artifactDigest = digest,
                    artifactSizeBytes = size,
                    artifactFiles,
                    format = p.GetValue(format),
                    trainingDatasetDigest = p.GetValue(training),
                    validationDatasetDigest = p.GetValue(validation),
                    metrics = Pairs(p.GetValue(metrics), "--metric")
                        .ToDictionary(
                            kv => kv.Key,
                            kv =>
                                double.TryParse(kv.Value, System.Globalization.CultureInfo.InvariantCulture, out var d)
                                    ? d
                                    : throw new CliFailure(
                                        ExitCodes.InvalidInput,
                                        "invalid_metric",
                                        $"--metric {kv.Key}={kv.Value}: the value is not a number"
                                    )
                        ),
                    hyperparameters = Pairs(p.GetValue(parameters), "--param"),
                    codeCommit = p.GetValue(commit),
                };
                RefuseLocally(
                    RegisterModelVersionDecision
                        .Check(
                            new RegisterModelVersion(
                                p.GetValue(model)!,
                                body.version,
                                body.artifactUri,
                                digest,
                                size,
                                Enum.TryParse<ArtifactFormat>(body.format, ignoreCase: true, out var known) && Enum.IsDefined(known)
                                    ? known
                                    : null,
                                body.trainingDatasetDigest,
                                body.validationDatasetDigest,
                                body.metrics,
                                body.codeCommit,
                                body.hyperparameters,
                                null,
                                artifactFiles
                            )
                        )
                        .Slug(p.GetValue(model), "model")
                );
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Post,
                    $"api/v1/models/{Uri.EscapeDataString(p.GetValue(model)!)}/versions",
                    body,
                    LedgerConnection.FirstLineWriteScope,
                    LedgerConnection.IdempotencyKey("version", p.GetValue(model), body.version, digest),
                    ct
                );
                if (status != HttpStatusCode.Created)
                    throw LedgerConnection.Refusal(status, answer);
                return await print(
                    $"Registered {p.GetValue(model)} {body.version}: {digest} ({size} bytes"
                        + (files is null ? ")" : $" in {files.Count} files)"),
                    answer
                );
            }
        );
        return new Command("version", "Model versions") { register, VersionShow(run), VersionStatus(run) };
    }

    private static Command ApprovalCommands(Runner run, TextWriter output)
    {
        var model = new Option<string>("--model") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var environment = new Option<string>("--environment") { Required = true };
        var digest = new Option<string?>("--digest") { Description = "sha256:<hex> of the artifact (or give --artifact)" };
        var artifact = new Option<string?>("--artifact") { Description = "The artifact file or model directory, hashed locally" };
        var check = run(
            new Command("check", "May this artifact be deployed to this environment now? Exit 0 allowed, 3 denied.")
            {
                model,
                version,
                environment,
                digest,
                artifact,
            },
            async (p, ledger, print, ct) =>
            {
                var sha = await DigestOf(p, digest, artifact, output, ct);
                var query =
                    $"model={Uri.EscapeDataString(p.GetValue(model)!)}&version={Uri.EscapeDataString(p.GetValue(version)!)}"
                    + $"&digest={sha}&environment={Uri.EscapeDataString(p.GetValue(environment)!)}";
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Get,
                    $"api/v1/approvals/check?{query}",
                    null,
                    "approvals:read",
                    null,
                    ct
                );
                if (status != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(status, answer);
                var check = answer.Deserialize<ApprovalCheckAnswer>(Json)!;
                await print(
                    check.Allowed
                        ? $"ALLOWED by approval {check.ApprovalId} (expires {check.ExpiresAt:u})"
                        : $"DENIED: {string.Join("; ", check.Reasons.Select(r => $"{r.Code}: {r.Message}"))}",
                    answer
                );
                return check.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
            }
        );
        return new Command("approval", "Approvals: check, request, status, wait, revoke")
        {
            check,
            ApprovalRequest(run),
            ApprovalStatusCommand(run),
            ApprovalWait(run, output),
            ApprovalRevoke(run),
        };
    }

    private static Command AttestationCommands(Runner run, TextWriter output)
    {
        var approvalId = new Option<string>("--approval-id") { Required = true };
        var outFile = new Option<FileInfo>("--out") { Required = true };
        var fetch = run(
            new Command("fetch", "Save the DSSE envelope of a granted approval; a revoked one is refused (exit 4) and not saved")
            {
                approvalId,
                outFile,
            },
            async (p, ledger, print, ct) =>
            {
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Get,
                    $"api/v1/approvals/{Uri.EscapeDataString(p.GetValue(approvalId)!)}/attestation",
                    null,
                    "approvals:read",
                    null,
                    ct
                );
                if (status != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(status, answer);
                var (standingStatus, standing) = await ledger.SendAsync(
                    HttpMethod.Get,
                    $"api/v1/approvals/{Uri.EscapeDataString(p.GetValue(approvalId)!)}/status",
                    null,
                    "approvals:read",
                    null,
                    ct
                );
                if (standingStatus != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(standingStatus, standing);
                if (standing.GetProperty("status").GetString() != "Approved")
                {
                    // An envelope still verifies offline after its approval is revoked: never hand one to a deployment.
                    var code = standing.GetProperty("revoked").GetBoolean() ? "approval_revoked" : "approval_not_granted";
                    var reason = standing.GetProperty("revocationReason").GetString();
                    await print(
                        $"REFUSED ({code}): approval {p.GetValue(approvalId)} is {standing.GetProperty("status").GetString()}"
                            + (reason is null ? "" : $": {reason}")
                            + "; the attestation was not saved.",
                        new
                        {
                            saved = false,
                            code,
                            standing,
                        }
                    );
                    return ExitCodes.VerificationFailed;
                }
                var bytes = System.Text.Encoding.UTF8.GetBytes(answer.GetRawText());
                await File.WriteAllBytesAsync(p.GetValue(outFile)!.FullName, bytes, ct);
                return await print(
                    $"Saved the attestation to {p.GetValue(outFile)!.FullName} ({Digest.OfBytes(bytes)})",
                    new { path = p.GetValue(outFile)!.FullName, digest = Digest.OfBytes(bytes) }
                );
            }
        );

        var keysOut = new Option<FileInfo>("--out") { Required = true };
        var keys = run(
            new Command("keys", "Save the ledger's attestation keys (JWKS) for offline verification") { keysOut },
            async (p, ledger, print, ct) =>
            {
                var (status, answer) = await ledger.SendAsync(HttpMethod.Get, "api/v1/attestation-keys", null, "approvals:read", null, ct);
                if (status != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(status, answer);
                await File.WriteAllTextAsync(p.GetValue(keysOut)!.FullName, answer.GetRawText(), ct);
                return await print(
                    $"Saved {Counted(answer.GetProperty("keys").GetArrayLength(), "key")} to {p.GetValue(keysOut)!.FullName}",
                    answer
                );
            }
        );

        var listOut = new Option<FileInfo>("--out") { Required = true };
        var statusList = run(
            new Command("status-list", "Save the ledger's signed status list of every approval, for offline verification") { listOut },
            async (p, ledger, print, ct) =>
            {
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Get,
                    "api/v1/approvals/status-list",
                    null,
                    "approvals:read",
                    null,
                    ct
                );
                if (status != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(status, answer);
                await File.WriteAllTextAsync(p.GetValue(listOut)!.FullName, answer.GetRawText(), ct);
                return await print(
                    $"Saved the signed status list to {p.GetValue(listOut)!.FullName}",
                    new { path = p.GetValue(listOut)!.FullName }
                );
            }
        );

        var artifact = new Option<string>("--artifact") { Required = true, Description = "The artifact file or model directory" };
        var attestation = new Option<FileInfo>("--attestation") { Required = true };
        var keySet = new Option<FileInfo>("--keys") { Required = true, Description = "A JWKS file of trusted keys" };
        var listFile = new Option<FileInfo?>("--status-list")
        {
            Description = "A signed status list (from 'attestation status-list'): refuses a revoked approval or a replaced envelope",
        };
        var listGrace = new Option<int>("--status-list-grace-minutes")
        {
            Description = "Minutes a status list is still accepted after its nextUpdate (default 0)",
        };
        var environment = new Option<string>("--environment") { Required = true };
        var model = new Option<string?>("--model");
        var version = new Option<string?>("--version");
        var verify = run(
            new Command(
                "verify",
                "Verify an artifact (file or model directory) against an attestation and a key set, offline. Exit 0 verified, "
                    + "4 refused."
            )
            {
                artifact,
                attestation,
                keySet,
                environment,
                model,
                version,
                listFile,
                listGrace,
            },
            async (p, _, print, ct) =>
            {
                var (digest, _, files) = await HashArtifact(p.GetValue(artifact)!, ExitCodes.VerificationFailed, output, p, ct);
                var envelope = await Read(p.GetValue(attestation)!, "--attestation", ct);
                JwkSet trusted;
                try
                {
                    trusted = JsonSerializer.Deserialize<JwkSet>(await Read(p.GetValue(keySet)!, "--keys", ct))!;
                }
                catch (JsonException e)
                {
                    throw new CliFailure(ExitCodes.InvalidInput, "invalid_keys", $"--keys is not a JWKS file: {e.Message}");
                }
                var now = DateTimeOffset.UtcNow;
                ApprovalStatusList? list = null;
                if (p.GetValue(listFile) is { } listPath)
                {
                    if (p.GetValue(listGrace) < 0)
                        throw new CliFailure(ExitCodes.InvalidInput, "invalid_input", "--status-list-grace-minutes must be 0 or more.");
                    var listed = ApprovalStatusList.Verify(
                        await Read(listPath, "--status-list", ct),
                        trusted,
                        now,
                        TimeSpan.FromMinutes(p.GetValue(listGrace))
                    );
                    if (!listed.Verified)
                    {
                        await print(
                            $"REFUSED ({listed.Code}): {listed.Message}",
                            new
                            {
                                verified = false,
                                code = listed.Code,
                                message = listed.Message,
                                artifactDigest = digest,
                            }
                        );
                        return ExitCodes.VerificationFailed;
                    }
                    list = listed.List;
                }
                var expected = new Expectation(digest, p.GetValue(environment)!, p.GetValue(model), p.GetValue(version));
                // A model directory: name the file at fault when a validly signed approval lists other files.
                var result =
                    files is not null
                    && ArtifactDirectory.SignedApproval(envelope, expected, trusted, now) is { ArtifactFiles: { } approved }
                    && ArtifactDirectory.Compare(approved, files) is var (code, message)
                        ? Verification.Refused(code, message)
                        : AttestationVerifier.Verify(envelope, expected, trusted, now, list);
                await print(
                    result.Verified ? $"VERIFIED: {result.Message}" : $"REFUSED ({result.Code}): {result.Message}",
                    new
                    {
                        verified = result.Verified,
                        code = result.Code,
                        message = result.Message,
                        artifactDigest = digest,
                        approval = result.Approval,
                        keyId = result.KeyId,
                    }
                );
                return result.Verified ? ExitCodes.Ok : ExitCodes.VerificationFailed;
            }
        );
        return new Command("attestation", "Signed approvals (in-toto statements in DSSE envelopes)") { fetch, keys, statusList, verify };
    }

    private static Command DeploymentCommands(Runner run, TextWriter output)
    {
        var model = new Option<string>("--model") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var environment = new Option<string>("--environment") { Required = true };
        var runId = new Option<string>("--run-id") { Required = true, Description = "The pipeline run that deploys" };
        var digest = new Option<string?>("--digest");
        var artifact = new Option<string?>("--artifact") { Description = "The artifact file or model directory, hashed locally" };
        var record = run(
            new Command("record", "Record a deployment; without an active approval the ledger refuses (and records) it: exit 3")
            {
                model,
                version,
                environment,
                runId,
                digest,
                artifact,
            },
            async (p, ledger, print, ct) =>
            {
                var sha = await DigestOf(p, digest, artifact, output, ct);
                var body = new
                {
                    environment = p.GetValue(environment),
                    pipelineRunId = p.GetValue(runId),
                    artifactDigest = sha,
                };
                RefuseLocally(
                    DeploymentDecisions
                        .Check(new RecordDeployment(body.environment, body.pipelineRunId, sha, null))
                        .Slug(p.GetValue(model), "model")
                        .VersionLabel(p.GetValue(version), "version")
                );
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Post,
                    $"api/v1/models/{Uri.EscapeDataString(p.GetValue(model)!)}"
                        + $"/versions/{Uri.EscapeDataString(p.GetValue(version)!)}/deployments",
                    body,
                    "deployments:write",
                    LedgerConnection.IdempotencyKey(
                        "deployment",
                        p.GetValue(model),
                        p.GetValue(version),
                        body.environment,
                        body.pipelineRunId,
                        sha
                    ),
                    ct
                );
                if (status != HttpStatusCode.Created)
                    throw LedgerConnection.Refusal(status, answer);
                return await print(
                    $"Recorded the deployment of {p.GetValue(model)} {p.GetValue(version)} to {body.environment} "
                        + $"(approval {answer.GetProperty("approvalId").GetString()})",
                    answer
                );
            }
        );
        return new Command("deployment", "Deployments: record, or start then complete or fail; rollback; history")
        {
            record,
            DeploymentStart(run, output, model, version, environment, runId, digest, artifact),
            DeploymentStep(run, "complete"),
            DeploymentStep(run, "fail"),
            DeploymentRollback(run),
            DeploymentHistory(run),
        };
    }

    private static async Task<string> DigestOf(
        ParseResult p,
        Option<string?> digest,
        Option<string?> artifact,
        TextWriter output,
        CancellationToken ct
    )
    {
        var given = p.GetValue(digest);
        var file = p.GetValue(artifact);
        if ((given is null) == (file is null))
            throw new CliFailure(ExitCodes.InvalidInput, "digest_or_artifact", "Give exactly one of --digest or --artifact.");
        if (given is not null)
            return Digest.IsSha256(given)
                ? Digest.Normalize(given)
                : throw new CliFailure(ExitCodes.InvalidInput, "invalid_digest", $"--digest must be sha256:<64 hex>, got '{given}'");
        return (await HashArtifact(file!, ExitCodes.InvalidInput, output, p, ct)).Digest;
    }

    /// <summary>
    /// The <c>--artifact</c>: a file's SHA-256 and size, or a model directory's manifest digest (<see cref="FileManifest"/>),
    /// total size and files, its files hashed in parallel (<see cref="ArtifactDirectory"/>).
    /// </summary>
    /// <param name="refusedExit">The exit code of a directory that cannot be a manifest (<c>artifact_symlink</c>,
    /// <c>artifact_path_invalid</c>, <c>artifact_unreadable</c>; the failure's code is the refusal's).</param>
    /// <exception cref="CliFailure">Exit 1: no such file or directory; <paramref name="refusedExit"/>: a directory refused.</exception>
    private static async Task<(string Digest, long Size, IReadOnlyList<ManifestFile>? Files)> HashArtifact(
        string path,
        int refusedExit,
        TextWriter output,
        ParseResult p,
        CancellationToken ct
    )
    {
        if (!Directory.Exists(path))
        {
            var (digest, size) = await Hash(Path.GetFullPath(path), "--artifact", output, p, ct);
            return (digest, size, null);
        }
        try
        {
            var files = await ArtifactDirectory.ManifestOfAsync(path, ct);
            return (FileManifest.DigestOf(files), files.Sum(f => f.Size), files);
        }
        catch (ArtifactDirectoryException refused)
        {
            throw new CliFailure(refusedExit, refused.Code, $"--artifact: {refused.Message}");
        }
    }

    /// <summary>SHA-256 of a file, with a progress bar when a person is watching a terminal.</summary>
    private static async Task<(string Digest, long Size)> Hash(
        string path,
        string option,
        TextWriter output,
        ParseResult p,
        CancellationToken ct
    )
    {
        if (!File.Exists(path))
            throw new CliFailure(ExitCodes.InvalidInput, "file_not_found", $"{option}: no such file {path}");
        var size = new FileInfo(path).Length;
        var interactive = output == Console.Out && !Console.IsOutputRedirected && !p.GetValue<bool>("--json");
        if (!interactive || size < 64L * 1024 * 1024)
            return await ArtifactHash.OfFileAsync(path, null, ct);
        (string, long) result = default;
        await AnsiConsole
            .Progress()
            .StartAsync(async context =>
            {
                var task = context.AddTask($"SHA-256 {Path.GetFileName(path)}", maxValue: size);
                result = await ArtifactHash.OfFileAsync(path, new Progress<long>(done => task.Value = done), ct);
            });
        return result;
    }

    private static async Task<byte[]> Read(FileInfo file, string option, CancellationToken ct) =>
        file.Exists
            ? await File.ReadAllBytesAsync(file.FullName, ct)
            : throw new CliFailure(ExitCodes.InvalidInput, "file_not_found", $"{option}: no such file {file.FullName}");

    private static Dictionary<string, string> Pairs(string[]? values, string option) =>
        (values ?? [])
            .Select(v =>
                v.Split('=', 2) is [var k, var val] && k.Length > 0
                    ? (k, val)
                    : throw new CliFailure(ExitCodes.InvalidInput, "invalid_pair", $"{option} '{v}' must be name=value")
            )
            .ToDictionary(x => x.k, x => x.val);
}
