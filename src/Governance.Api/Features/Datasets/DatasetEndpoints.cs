using Governance.Api.Hosting;
using Governance.Api.Ledger;
using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Api.Features.Datasets;

/// <summary>The dataset register, inline; looked up by manifest digest when a model version names its data.</summary>
public sealed class DatasetProjection : SingleStreamProjection<Dataset, string>
{
    public DatasetProjection() => IncludeType<DatasetRegistered>();

    public override Dataset? Evolve(Dataset? snapshot, string id, IEvent e) => Dataset.Evolve(snapshot, e.Data);
}

public static class DatasetEndpoints
{
    public static Task<Dataset?> FindByDigestAsync(this IQuerySession session, string? digest, CancellationToken ct) =>
        Digest.IsSha256(digest)
            ? session
                .Query<Dataset>()
                .Where(d => d.ManifestDigest == Digest.Normalize(digest!))
                .OrderBy(d => d.RegisteredAt)
                .FirstOrDefaultAsync(ct)
            : Task.FromResult<Dataset?>(null);

    public static RouteGroupBuilder MapDatasets(this RouteGroupBuilder api)
    {
        var datasets = api.MapGroup("/datasets").WithTags("Dataset register");

        datasets
            .MapPost(
                "/",
                (RegisterDataset command, Commands commands, HttpContext http) =>
                    commands.Execute<Dataset>(
                        http,
                        Dataset.StreamKey(command.Name ?? "", command.Version ?? ""),
                        (dataset, ctx) => [RegisterDatasetDecision.Decide(command, dataset, ctx)],
                        Dataset.Evolve,
                        d => new CommandAnswer(
                            StatusCodes.Status201Created,
                            d.After!,
                            $"/api/v1/datasets/{d.After!.Name}/{d.After.Version}"
                        )
                    )
            )
            .AllowRoles(Roles.ModelOwner)
            .WithName("RegisterDataset")
            .WithSummary("Register a dataset version by the SHA-256 and size of each of its files.");

        datasets
            .MapGet(
                "/{name}/{version}",
                async (string name, string version, IQuerySession session, CancellationToken ct) =>
                    await session.LoadAsync<Dataset>(Dataset.StreamKey(name, version), ct) is { } dataset
                        ? Results.Ok(dataset)
                        : throw GovernanceRuleException.NotFound(
                            "dataset.not_found",
                            $"Dataset '{name}' version '{version}' is not registered."
                        )
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName("GetDataset")
            .WithSummary("One registered dataset version.");

        datasets
            .MapGet(
                "/",
                async (string? digest, IQuerySession session, CancellationToken ct) =>
                {
                    if (digest is null)
                        return Results.Ok(await session.Query<Dataset>().OrderBy(d => d.Id).ToListAsync(ct));
                    new InputCheck().Sha256(digest, "digest").ThrowIfAny();
                    return Results.Ok(
                        await session.Query<Dataset>().Where(d => d.ManifestDigest == Digest.Normalize(digest)).ToListAsync(ct)
                    );
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName("ListDatasets")
            .WithSummary("The dataset register, or the datasets with a given manifest digest.");

        return api;
    }
}
