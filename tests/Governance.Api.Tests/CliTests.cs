using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>The pipeline CLI run in-process against the API host; exit codes are what a CI step branches on.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class CliTests(LedgerApp app) : IDisposable
{
    private readonly Scenario _ledger = new(app);
    private readonly string _folder = Directory.CreateTempSubdirectory("cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The test host authenticates callers by headers; this stands in for the pipeline's token.</summary>
    private sealed class AsCaller(HttpMessageHandler inner, string subject, string role) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            request.Headers.Add("X-Test-Subject", subject);
            request.Headers.Add("X-Test-Role", role);
            return base.SendAsync(request, ct);
        }
    }

    /// <summary>Counts the requests the CLI tries to send, and answers none of them.</summary>
    private sealed class NothingSent : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests++;
            throw new HttpRequestException("the test's ledger is unreachable");
        }
    }

    /// <summary>The CLI as a person in <paramref name="role"/>; as ModelOwner, the owner of the scenario's models.</summary>
    private Task<(int Exit, string Out, string Err)> Cli(string role, params string[] args) =>
        Cli(
            new AsCaller(app.Server.CreateHandler(), role == Roles.ModelOwner ? "owner-olivia" : $"cli-{role.ToLowerInvariant()}", role),
            args
        );

    private async Task<(int Exit, string Out, string Err)> Cli(HttpMessageHandler handler, params string[] args)
    {
        var tokens = new TokenCache(Path.Combine(_folder, "tokens.json"));
        tokens.Put("http://localhost/", new TokenCache.Entry("test-token", null, DateTimeOffset.UtcNow.AddHours(1)));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync([.. args, "--server", "http://localhost"], output, error, handler, tokens);
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_pipeline_checks_fetches_verifies_offline_and_records_a_deployment()
    {
        var artifact = Write("model.zip", "the approved model bytes");
        var digest = Digest.OfBytes(File.ReadAllBytes(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        Assert.Equal(
            ExitCodes.Denied,
            (
                await Cli(
                    Roles.DeploymentPipeline,
                    "approval",
                    "check",
                    "--model",
                    modelId,
                    "--version",
                    "1.0.0",
                    "--artifact",
                    artifact,
                    "--environment",
                    "production"
                )
            ).Exit
        );
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);

        var check = await Cli(
            Roles.DeploymentPipeline,
            "approval",
            "check",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--artifact",
            artifact,
            "--environment",
            "production",
            "--json"
        );
        Assert.Equal(ExitCodes.Ok, check.Exit);
        Assert.Equal(approvalId, JsonDocument.Parse(check.Out).RootElement.GetProperty("approvalId").GetString());

        var attestation = Path.Combine(_folder, "attestation.json");
        var keys = Path.Combine(_folder, "keys.json");
        Assert.Equal(
            ExitCodes.Ok,
            (await Cli(Roles.DeploymentPipeline, "attestation", "fetch", "--approval-id", approvalId, "--out", attestation)).Exit
        );
        var saved = await Cli(Roles.DeploymentPipeline, "attestation", "keys", "--out", keys);
        Assert.Equal(ExitCodes.Ok, saved.Exit);
        Assert.Matches(@"^Saved (1 key|([02-9]|\d{2,}) keys) to ", saved.Out);
        var verified = await Cli(
            Roles.DeploymentPipeline,
            "attestation",
            "verify",
            "--artifact",
            artifact,
            "--attestation",
            attestation,
            "--keys",
            keys,
            "--environment",
            "production",
            "--model",
            modelId,
            "--version",
            "1.0.0"
        );
        Assert.Equal(ExitCodes.Ok, verified.Exit);
        Assert.Contains("VERIFIED", verified.Out);

        var deployed = await Cli(
            Roles.DeploymentPipeline,
            "deployment",
            "record",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--environment",
            "production",
            "--run-id",
            "gh-991",
            "--artifact",
            artifact,
            "--json"
        );
        Assert.Equal(ExitCodes.Ok, deployed.Exit);
        // A retried CI step sends the same idempotency key: recorded once.
        Assert.Equal(
            ExitCodes.Ok,
            (
                await Cli(
                    Roles.DeploymentPipeline,
                    "deployment",
                    "record",
                    "--model",
                    modelId,
                    "--version",
                    "1.0.0",
                    "--environment",
                    "production",
                    "--run-id",
                    "gh-991",
                    "--artifact",
                    artifact
                )
            ).Exit
        );
        Assert.Single((await _ledger.GetVersion(modelId)).GetProperty("deployments").EnumerateArray());
    }

    [Fact]
    public async Task After_a_revocation_fetch_refuses_and_offline_verification_with_a_fresh_status_list_refuses()
    {
        var artifact = Write("revoked.zip", "bytes approved then revoked");
        var digest = Digest.OfBytes(File.ReadAllBytes(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var attestation = Path.Combine(_folder, "revoked-attestation.json");
        var keys = Path.Combine(_folder, "revoked-keys.json");
        var list = Path.Combine(_folder, "status-list.json");
        await Cli(Roles.DeploymentPipeline, "attestation", "fetch", "--approval-id", approvalId, "--out", attestation);
        await Cli(Roles.DeploymentPipeline, "attestation", "keys", "--out", keys);
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/revocation",
                new { reason = "Bias found" }
            )
            .Expect(HttpStatusCode.OK);

        var again = Path.Combine(_folder, "again.json");
        var fetch = await Cli(Roles.DeploymentPipeline, "attestation", "fetch", "--approval-id", approvalId, "--out", again);
        Assert.Equal(ExitCodes.VerificationFailed, fetch.Exit);
        Assert.Contains("approval_revoked", fetch.Out);
        Assert.False(File.Exists(again));

        Assert.Equal(ExitCodes.Ok, (await Cli(Roles.DeploymentPipeline, "attestation", "status-list", "--out", list)).Exit);
        string[] verify =
        [
            "attestation",
            "verify",
            "--artifact",
            artifact,
            "--attestation",
            attestation,
            "--keys",
            keys,
            "--environment",
            "production",
        ];
        Assert.Equal(ExitCodes.Ok, (await Cli(Roles.DeploymentPipeline, verify)).Exit);
        var refused = await Cli(Roles.DeploymentPipeline, [.. verify, "--status-list", list]);
        Assert.Equal(ExitCodes.VerificationFailed, refused.Exit);
        Assert.Contains("REFUSED (approval_revoked)", refused.Out);
    }

    [Fact]
    public async Task Offline_verification_refuses_a_flipped_byte_another_environment_and_an_unknown_key()
    {
        var artifact = Write("model.zip", "approved bytes for verification");
        var digest = Digest.OfBytes(File.ReadAllBytes(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, artifactDigest: digest);
        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var attestation = Path.Combine(_folder, "a.json");
        var keys = Path.Combine(_folder, "k.json");
        await Cli(Roles.DeploymentPipeline, "attestation", "fetch", "--approval-id", approvalId, "--out", attestation);
        await Cli(Roles.DeploymentPipeline, "attestation", "keys", "--out", keys);

        async Task<string> Refusal(string file, string keyFile, string environment)
        {
            var result = await Cli(
                Roles.DeploymentPipeline,
                "attestation",
                "verify",
                "--artifact",
                file,
                "--attestation",
                attestation,
                "--keys",
                keyFile,
                "--environment",
                environment,
                "--json"
            );
            Assert.Equal(ExitCodes.VerificationFailed, result.Exit);
            return JsonDocument.Parse(result.Out).RootElement.GetProperty("code").GetString()!;
        }

        var flipped = Write("flipped.zip", "approved bytes for verificatioN");
        Assert.Equal("digest_mismatch", await Refusal(flipped, keys, "production"));
        Assert.Equal("environment_mismatch", await Refusal(artifact, keys, "staging"));
        const string x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
        const string y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
        var stranger = Write(
            "stranger.json",
            $$"""
            {"keys":[{"kty":"EC","crv":"P-256","x":"{{x}}","y":"{{y}}","kid":"stranger","use":"sig","alg":"ES256","status":"current"}]}
            """
        );
        Assert.Equal("signature_unknown_key", await Refusal(artifact, stranger, "production"));
    }

    [Fact]
    public async Task A_deployment_without_approval_is_refused_and_recorded_and_bad_input_sends_nothing()
    {
        var artifact = Write("model.zip", "unapproved bytes");
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, artifactDigest: Digest.OfBytes(File.ReadAllBytes(artifact)));

        var refused = await Cli(
            Roles.DeploymentPipeline,
            "deployment",
            "record",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--environment",
            "production",
            "--run-id",
            "r1",
            "--artifact",
            artifact
        );
        Assert.Equal(ExitCodes.Denied, refused.Exit);
        Assert.Contains("deployment.refused", refused.Err);
        Assert.Single((await _ledger.GetVersion(modelId)).GetProperty("refusedDeployments").EnumerateArray());

        var missing = await Cli(
            Roles.DeploymentPipeline,
            "approval",
            "check",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--artifact",
            Path.Combine(_folder, "nope.zip"),
            "--environment",
            "production"
        );
        Assert.Equal(ExitCodes.InvalidInput, missing.Exit);
        Assert.Contains("--artifact", missing.Err);
        var badDigest = await Cli(
            Roles.DeploymentPipeline,
            "deployment",
            "record",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--environment",
            "production",
            "--run-id",
            "r2",
            "--digest",
            "md5:1"
        );
        Assert.Equal(ExitCodes.InvalidInput, badDigest.Exit);
        Assert.Single((await _ledger.GetVersion(modelId)).GetProperty("refusedDeployments").EnumerateArray());
        Assert.Equal(
            ExitCodes.Denied,
            (
                await Cli(
                    Roles.Auditor,
                    "deployment",
                    "record",
                    "--model",
                    modelId,
                    "--version",
                    "1.0.0",
                    "--environment",
                    "production",
                    "--run-id",
                    "r3",
                    "--artifact",
                    artifact
                )
            ).Exit
        );
    }

    [Fact]
    public async Task A_model_owner_registers_a_dataset_by_hashing_its_files_and_a_version_from_its_artifact()
    {
        var train = Write("train.csv", "a,b\n1,2\n");
        var test = Write("test.csv", "a,b\n3,4\n");
        var name = Scenario.NewId("ds");
        var dataset = await Cli(
            Roles.ModelOwner,
            "dataset",
            "register",
            "--name",
            name,
            "--version",
            "1",
            "--file",
            train,
            "--file",
            test,
            "--rows",
            "2",
            "--column",
            "a:float",
            "--column",
            "b:float",
            "--json"
        );
        Assert.Equal(ExitCodes.Ok, dataset.Exit);
        var manifest = JsonDocument.Parse(dataset.Out).RootElement.GetProperty("manifestDigest").GetString()!;
        Assert.Equal(
            Governance.Domain.Datasets.Dataset.ManifestDigestOf([
                new(Path.GetFileName(train), Digest.OfBytes(File.ReadAllBytes(train)), new FileInfo(train).Length),
                new(Path.GetFileName(test), Digest.OfBytes(File.ReadAllBytes(test)), new FileInfo(test).Length),
            ]),
            manifest
        );

        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var artifact = Write("model.onnx", "onnx bytes");
        var version = await Cli(
            Roles.ModelOwner,
            "version",
            "register",
            "--model",
            modelId,
            "--version",
            "2.0.0",
            "--artifact",
            artifact,
            "--uri",
            "s3://m/model.onnx",
            "--format",
            "Onnx",
            "--training-dataset",
            manifest,
            "--validation-dataset",
            manifest,
            "--metric",
            "auc=0.81",
            "--param",
            "trees=200",
            "--commit",
            "abc123"
        );
        Assert.Equal(ExitCodes.Ok, version.Exit);
        Assert.Equal(
            Digest.OfBytes(File.ReadAllBytes(artifact)),
            (await _ledger.GetVersion(modelId, "2.0.0")).GetProperty("artifactDigest").GetString()
        );

        var personal = await Cli(
            Roles.ModelOwner,
            "dataset",
            "register",
            "--name",
            Scenario.NewId("ds"),
            "--version",
            "1",
            "--file",
            train,
            "--rows",
            "1",
            "--column",
            "a:float",
            "--personal-data"
        );
        Assert.Equal(ExitCodes.InvalidInput, personal.Exit);
        Assert.Contains("legalBasis", personal.Err);
    }

    [Fact]
    public async Task A_model_directory_is_registered_checked_and_verified_offline_and_an_extra_changed_or_linked_file_is_refused()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_folder, "model-dir")).FullName;
        Directory.CreateDirectory(Path.Combine(directory, "tokenizer"));
        var graph = Write("model-dir/model.onnx", "onnx graph bytes");
        var vocab = Write("model-dir/tokenizer/vocab.txt", "[PAD]\n[UNK]\n");
        var expected = Governance.Attestations.FileManifest.DigestOf([
            new("model.onnx", Digest.OfBytes(File.ReadAllBytes(graph)), new FileInfo(graph).Length),
            new("tokenizer/vocab.txt", Digest.OfBytes(File.ReadAllBytes(vocab)), new FileInfo(vocab).Length),
        ]);
        var dataset = await _ledger.RegisterDataset();
        var modelId = await _ledger.RegisterModel(Scenario.NewId());

        var registered = await Cli(
            Roles.ModelOwner,
            "version",
            "register",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--artifact",
            directory,
            "--uri",
            "s3://m/credit/1.0.0/",
            "--format",
            "Onnx",
            "--training-dataset",
            dataset,
            "--validation-dataset",
            dataset,
            "--commit",
            "abc123"
        );
        Assert.Equal(ExitCodes.Ok, registered.Exit);
        Assert.Contains("in 2 files", registered.Out);
        var version = await _ledger.GetVersion(modelId);
        Assert.Equal(expected, version.GetProperty("artifactDigest").GetString());
        Assert.Equal(2, version.GetProperty("artifactFiles").GetArrayLength());

        await _ledger.Validate(modelId);
        var approvalId = await _ledger.RequestApproval(modelId);
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, expected).Expect(HttpStatusCode.OK);
        var check = await Cli(
            Roles.DeploymentPipeline,
            "approval",
            "check",
            "--model",
            modelId,
            "--version",
            "1.0.0",
            "--artifact",
            directory,
            "--environment",
            "production"
        );
        Assert.Equal(ExitCodes.Ok, check.Exit);
        var attestation = Path.Combine(_folder, "attestation.json");
        var keys = Path.Combine(_folder, "keys.json");
        await Cli(Roles.DeploymentPipeline, "attestation", "fetch", "--approval-id", approvalId, "--out", attestation);
        await Cli(Roles.DeploymentPipeline, "attestation", "keys", "--out", keys);

        async Task<(int Exit, string Code)> Verify()
        {
            var result = await Cli(
                Roles.DeploymentPipeline,
                "attestation",
                "verify",
                "--artifact",
                directory,
                "--attestation",
                attestation,
                "--keys",
                keys,
                "--environment",
                "production",
                "--json"
            );
            var json = JsonDocument.Parse(result.Out).RootElement;
            return (result.Exit, (json.TryGetProperty("code", out var code) ? code : json.GetProperty("error")).GetString()!);
        }

        Assert.Equal((ExitCodes.Ok, "verified"), await Verify());
        var extra = Write("model-dir/tokenizer/merges.txt", "not approved");
        Assert.Equal((ExitCodes.VerificationFailed, "artifact_file_extra"), await Verify());
        File.Delete(extra);
        File.AppendAllText(vocab, "[CLS]\n");
        Assert.Equal((ExitCodes.VerificationFailed, "artifact_file_changed"), await Verify());
        File.WriteAllText(vocab, "[PAD]\n[UNK]\n");
        File.CreateSymbolicLink(Path.Combine(directory, "weights.onnx"), graph);
        Assert.Equal((ExitCodes.VerificationFailed, "artifact_symlink"), await Verify());

        var nothingSent = new NothingSent();
        var linked = await Cli(
            nothingSent,
            "version",
            "register",
            "--model",
            modelId,
            "--version",
            "1.0.1",
            "--artifact",
            directory,
            "--uri",
            "s3://m/credit/1.0.1/",
            "--format",
            "Onnx",
            "--training-dataset",
            dataset,
            "--validation-dataset",
            dataset,
            "--commit",
            "abc124"
        );
        Assert.Equal(ExitCodes.InvalidInput, linked.Exit);
        Assert.Contains("'weights.onnx'", linked.Err);
        Assert.Equal(0, nothingSent.Requests);
    }

    [Fact]
    public async Task A_dataset_whose_file_names_differ_only_in_case_is_refused_locally_naming_the_file_and_nothing_is_recorded()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "upper"));
        var lower = Write("train.csv", "a\n1\n");
        var upper = Write(Path.Combine("upper", "TRAIN.csv"), "a\n2\n");
        var name = Scenario.NewId("ds");

        var refused = await Cli(
            Roles.ModelOwner,
            "dataset",
            "register",
            "--name",
            name,
            "--version",
            "1",
            "--file",
            lower,
            "--file",
            upper,
            "--rows",
            "2",
            "--column",
            "a:float"
        );

        Assert.Equal(ExitCodes.InvalidInput, refused.Exit);
        Assert.Contains("files[1].path", refused.Err);
        await _ledger.Auditor.GetAsync($"/api/v1/datasets/{name}/1").ExpectProblem(HttpStatusCode.NotFound, "dataset.not_found");
    }

    [Fact]
    public async Task Bad_input_is_refused_locally_with_exit_1_and_the_ledgers_field_names_and_nothing_is_sent()
    {
        var artifact = Write("local.zip", "bytes");
        var data = Write("local.csv", "a\n1\n");
        var ledger = new NothingSent();
        var digest = Digest.OfText("x");
        var cases = new (string Field, string[] Args)[]
        {
            (
                "name",
                ["dataset", "register", "--name", "Credit Data", "--version", "1", "--file", data, "--rows", "1", "--column", "a:int"]
            ),
            ("version", ["dataset", "register", "--name", "d", "--version", "1.0\n", "--file", data, "--rows", "1", "--column", "a:int"]),
            (
                "model",
                [
                    "version",
                    "register",
                    "--model",
                    "Credit X",
                    "--version",
                    "1.0.0",
                    "--artifact",
                    artifact,
                    "--uri",
                    "s3://m/1",
                    "--format",
                    "Onnx",
                    "--training-dataset",
                    digest,
                    "--validation-dataset",
                    digest,
                    "--commit",
                    "abc",
                ]
            ),
            (
                "artifactUri",
                [
                    "version",
                    "register",
                    "--model",
                    "credit",
                    "--version",
                    "1.0.0",
                    "--artifact",
                    artifact,
                    "--uri",
                    "not a uri",
                    "--format",
                    "Onnx",
                    "--training-dataset",
                    digest,
                    "--validation-dataset",
                    digest,
                    "--commit",
                    "abc",
                ]
            ),
            (
                "format",
                [
                    "version",
                    "register",
                    "--model",
                    "credit",
                    "--version",
                    "1.0.0",
                    "--artifact",
                    artifact,
                    "--uri",
                    "s3://m/1",
                    "--format",
                    "Pickle",
                    "--training-dataset",
                    digest,
                    "--validation-dataset",
                    digest,
                    "--commit",
                    "abc",
                ]
            ),
            (
                "environment",
                [
                    "deployment",
                    "record",
                    "--model",
                    "credit",
                    "--version",
                    "1.0.0",
                    "--environment",
                    "Prod",
                    "--run-id",
                    "r1",
                    "--digest",
                    digest,
                ]
            ),
            (
                "pipelineRunId",
                [
                    "deployment",
                    "record",
                    "--model",
                    "credit",
                    "--version",
                    "1.0.0",
                    "--environment",
                    "prod",
                    "--run-id",
                    "run\u202E1",
                    "--digest",
                    digest,
                ]
            ),
        };
        foreach (var (field, args) in cases)
        {
            var (exit, _, err) = await Cli(ledger, args);
            Assert.True(exit == ExitCodes.InvalidInput, $"{field}: exit {exit}: {err}");
            Assert.Contains(field, err);
            Assert.Contains("nothing was sent", err);
        }
        Assert.Equal(0, ledger.Requests);
    }

    [Fact]
    public async Task A_refused_file_name_is_printed_with_its_invisible_characters_escaped()
    {
        var spoofed = Write("invoice\u202Etxt.csv", "a\n1\n");
        var ledger = new NothingSent();
        var (exit, _, err) = await Cli(
            ledger,
            ["dataset", "register", "--name", "d", "--version", "1", "--file", spoofed, "--rows", "1", "--column", "a:int"]
        );
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("files[0].path", err);
        Assert.Contains("invoice\\u202Etxt.csv", err);
        Assert.True(!err.Contains('\u202E'), err.Replace("\u202E", "<RLO>"));
        Assert.Equal(0, ledger.Requests);
    }
}
