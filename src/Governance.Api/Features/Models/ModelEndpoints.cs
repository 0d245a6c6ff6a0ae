using Governance.Api.Hosting;
using Governance.Api.Ledger;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Marten;

namespace Governance.Api.Features.Models;

public static class ModelEndpoints
{
    public sealed record RetireRequest(string? Reason);

    public static RouteGroupBuilder MapModels(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").WithTags("Model inventory");

        models
            .MapPost(
                "/",
                (RegisterModel command, Commands commands, HttpContext http) =>
                    commands.Execute<Model>(
                        http,
                        command.ModelId ?? "",
                        (model, ctx) => [RegisterModelDecision.Decide(command, model, ctx)],
                        Model.Evolve,
                        d => new CommandAnswer(StatusCodes.Status201Created, d.After!, $"/api/v1/inventory/{d.After!.Id}")
                    )
            )
            .AllowRoles(Roles.ModelOwner)
            .WithName("RegisterModel")
            .WithSummary("Enter a model in the inventory; the caller becomes its owner.");

        models
            .MapPost(
                "/{modelId}/retirement",
                (string modelId, RetireRequest body, Commands commands, HttpContext http) =>
                    commands.Execute<Model>(
                        http,
                        modelId,
                        (model, ctx) => [RetireModelDecision.Decide(new RetireModel(modelId, body.Reason), model, ctx)],
                        Model.Evolve,
                        d => new CommandAnswer(StatusCodes.Status200OK, d.After!)
                    )
            )
            .AllowRoles(Roles.ModelOwner, Roles.RiskOfficer)
            .WithName("RetireModel")
            .WithSummary("Retire a model: it takes no new versions.");

        var inventory = api.MapGroup("/inventory").WithTags("Model inventory");

        inventory
            .MapGet(
                "/",
                async (
                    IQuerySession session,
                    RiskTier? riskTier,
                    ModelVersionStatus? status,
                    string? environment,
                    string? owner,
                    CancellationToken ct
                ) =>
                {
                    var query = session.Query<InventoryEntry>().AsQueryable();
                    if (riskTier is { } tier)
                        query = query.Where(e => e.Model.RiskTier == tier);
                    if (!string.IsNullOrEmpty(owner))
                        query = query.Where(e => e.Model.OwnerId == owner);
                    var entries = await query.OrderBy(e => e.Id).ToListAsync(ct);
                    // Filters over the versions' lifecycle are applied in memory: a bank's inventory is hundreds of models, not millions.
                    return Results.Ok(
                        entries
                            .Where(e => status is null || e.Versions.Any(v => v.Status == status))
                            .Where(e => string.IsNullOrEmpty(environment) || e.LiveEnvironments.Contains(environment))
                    );
                }
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName("GetInventory")
            .WithSummary("The model inventory, filtered by risk tier, version status, live environment or owner.");

        inventory
            .MapGet(
                "/{modelId}",
                async (string modelId, IQuerySession session, CancellationToken ct) =>
                    await session.LoadAsync<InventoryEntry>(modelId, ct) is { } entry
                        ? Results.Ok(entry)
                        : throw GovernanceRuleException.NotFound("model.not_found", $"Model '{modelId}' is not registered.")
            )
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName("GetInventoryEntry")
            .WithSummary("One model's inventory entry with all its versions.");

        return api;
    }
}
