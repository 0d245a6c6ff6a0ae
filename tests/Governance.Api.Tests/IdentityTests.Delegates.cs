using System.Net;
using System.Net.Http.Json;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Cli;
using Governance.Domain.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>A CI pipeline with client credentials, named a delegate by the model's owner, writes through the CLI.</summary>
public sealed partial class IdentityTests
{
    [Fact]
    public async Task A_delegated_ci_client_registers_a_dataset_and_a_version_with_the_cli_and_is_refused_a_persons_scope()
    {
        var (owner, password) = await Person(Roles.ModelOwner);
        var ownerApi = Bearer(await PersonToken(owner, password, "openid ledger:read ledger:write"));
        var modelId = Scenario.NewId();
        await ownerApi.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(modelId)).Expect(HttpStatusCode.Created);
        ClientCredentials ci;
        await using (var scope = app.Services.CreateAsyncScope())
            ci = await scope
                .ServiceProvider.GetRequiredService<Accounts>()
                .RegisterClientAsync(
                    new NewClient(Scenario.NewId("ci"), "Training CI", [ApiScopes.ModelsWrite], [Roles.ModelOwner]),
                    Setup,
                    null,
                    default
                );
        await ownerApi
            .PostAsJsonAsync($"/api/v1/models/{modelId}/delegates", new { delegateId = $"client:{ci.ClientId}", reason = "Training CI" })
            .Expect(HttpStatusCode.OK);

        var folder = Directory.CreateTempSubdirectory("delegated-ci").FullName;
        var data = Path.Combine(folder, "train.csv");
        await File.WriteAllTextAsync(data, "a,b\n1,2\n");
        var artifact = Path.Combine(folder, "model.onnx");
        await File.WriteAllTextAsync(artifact, "onnx bytes of the delegated pipeline");
        async Task<(int Exit, string Error)> Cli(params string[] args)
        {
            var error = new StringWriter();
            var exit = await CliApp.RunAsync(
                [.. args, "--server", "http://localhost", "--client-id", ci.ClientId, "--client-secret", ci.ClientSecret, "--json"],
                new StringWriter(),
                error,
                app.Server.CreateHandler(),
                new TokenCache(Path.Combine(folder, "tokens.json"))
            );
            return (exit, error.ToString());
        }

        var name = Scenario.NewId("ds");
        var dataset = await Cli(
            "dataset",
            "register",
            "--name",
            name,
            "--version",
            "1",
            "--file",
            data,
            "--rows",
            "1",
            "--column",
            "a:float"
        );
        Assert.True(dataset.Exit == ExitCodes.Ok, dataset.Error);
        var manifest = (await ownerApi.GetAsync($"/api/v1/datasets/{name}/1").Expect(HttpStatusCode.OK))
            .GetProperty("manifestDigest")
            .GetString()!;
        var version = await Cli(
            "version",
            "register",
            "--model",
            modelId,
            "--version",
            "1.0.0",
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
            "--commit",
            "abc123"
        );
        Assert.True(version.Exit == ExitCodes.Ok, version.Error);
        var registered = await ownerApi.GetAsync(Scenario.VersionPath(modelId)).Expect(HttpStatusCode.OK);
        Assert.Equal($"client:{ci.ClientId}", registered.GetProperty("registeredBy").GetProperty("subjectId").GetString());

        // A person's scope is refused to the machine at the token endpoint.
        using var refused = await app.CreateClient()
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = ci.ClientId,
                        ["client_secret"] = ci.ClientSecret,
                        ["scope"] = "ledger:write",
                    }
                )
            );
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Directory.Delete(folder, recursive: true);
    }
}
