using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using Governance.Ledger.Datasets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Datasets;

/// <summary>The dataset register over HTTP.</summary>
public static class DatasetEndpoints
{
    private static readonly string[] Readers = [Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin];

    public static RouteGroupBuilder MapDatasets(this RouteGroupBuilder api)
    {
        var datasets = api.MapGroup("/datasets").WithTags("Dataset register");
        datasets
            .MapPost("/", RegisterDataset)
            .WithBodyLimit(RequestGuards.MaxBodyBytes)
            .AllowRoles(DatasetRegister.RegisterRoles)
            .WithScopes(ApiScopes.FirstLineWrite)
            .WithName(nameof(RegisterDataset))
            .WithSummary("Register a dataset version by the SHA-256 and size of each of its files.");
        datasets
            .MapGet("/{name}/{version}", GetDataset)
            .AllowRoles(Readers)
            .WithName(nameof(GetDataset))
            .WithSummary("One registered dataset version.");
        datasets
            .MapGet("/", ListDatasets)
            .AllowRoles(Readers)
            .WithName(nameof(ListDatasets))
            .WithSummary(
                "The dataset register; or, given a manifest digest (v1-text or v2-jcs), the one dataset it names as a list of at most one "
                    + "(409 dataset.digest_ambiguous when it names more than one)."
            );
        return api;
    }

    private static async Task<IResult> RegisterDataset(RegisterDataset command, DatasetRegister register, HttpContext http) =>
        (await register.RegisterAsync(command, await http.CallAsync(), http.RequestAborted)).ToResult(d =>
            LedgerCalls.Created(d, $"/api/v1/datasets/{d.Name}/{d.Version}")
        );

    private static async Task<Ok<Dataset>> GetDataset(string name, string version, DatasetRegister register, CancellationToken ct) =>
        await register.GetAsync(name, version, ct) is { } dataset
            ? TypedResults.Ok(dataset)
            : throw GovernanceRuleException.NotFound("dataset.not_found", $"Dataset '{name}' version '{version}' is not registered.");

    private static async Task<Ok<IReadOnlyList<Dataset>>> ListDatasets(string? digest, DatasetRegister register, CancellationToken ct) =>
        TypedResults.Ok(digest is null ? await register.ListAsync(ct) : await register.WithDigestAsync(digest, ct));
}
