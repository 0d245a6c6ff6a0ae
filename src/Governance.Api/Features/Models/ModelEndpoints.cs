using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Models;
using Governance.Ledger.Sequencing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Models;

/// <summary>The model inventory over HTTP: register and retire models; read the inventory.</summary>
public static class ModelEndpoints
{
    public sealed record RetireRequest(string? Reason);

    /// <summary>A delegate to name: <c>user:…</c> (a person) or <c>client:…</c> (a machine client), holding ModelOwner.</summary>
    public sealed record DelegateRequest(string? DelegateId, string? Reason);

    /// <summary>The person who will own the model (<c>user:…</c>, holding ModelOwner) and why.</summary>
    public sealed record TransferRequest(string? NewOwnerId, string? Reason);

    private static readonly string[] Readers = [Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin];

    public static RouteGroupBuilder MapModels(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").WithTags("Model inventory");
        models
            .MapPost("/", RegisterModel)
            .AllowRoles(ModelInventory.RegisterRoles)
            .WithName(nameof(RegisterModel))
            .WithSummary("Enter a model in the inventory; the caller becomes its owner.");
        models
            .MapPost("/{modelId}/retirement", RetireModel)
            .AllowRoles(ModelInventory.RetireRoles)
            .WithName(nameof(RetireModel))
            .WithSummary("Retire a model: it takes no new versions. Its owner, a delegate or a risk officer.");
        models
            .MapPost("/{modelId}/delegates", AddModelDelegate)
            .AllowRoles(ModelInventory.DelegateRoles)
            .WithName(nameof(AddModelDelegate))
            .WithSummary(
                "The owner names a delegate (a person, or a machine client such as a CI pipeline) who may register versions, submit "
                    + "them for validation, request approvals, and retire or suspend versions. Delegates never validate or decide."
            );
        models
            .MapPost("/{modelId}/delegates/{delegateId}/withdrawal", RemoveModelDelegate)
            .AllowRoles(ModelInventory.WithdrawDelegateRoles)
            .WithName(nameof(RemoveModelDelegate))
            .WithSummary("Withdraw a delegate: the owner, a risk officer or an administrator.");
        models
            .MapPost("/{modelId}/ownership-transfers", TransferModelOwnership)
            .AllowRoles(ModelInventory.TransferRoles)
            .WithName(nameof(TransferModelOwnership))
            .WithSummary("Record that another person owns the model; the risk officer or administrator recording it approves it.");

        var inventory = api.MapGroup("/inventory").WithTags("Model inventory");
        inventory
            .MapGet("/", GetInventory)
            .AllowRoles(Readers)
            .WithName(nameof(GetInventory))
            .WithSummary(
                "The model inventory, filtered by risk tier, version status, live environment or owner; now or ?asOf= / ?asOfPosition= "
                    + "(Ledger-Position states the position used)."
            );
        inventory
            .MapGet("/{modelId}", GetInventoryEntry)
            .AllowRoles(Readers)
            .WithName(nameof(GetInventoryEntry))
            .WithSummary("One model's inventory entry with all its versions and slots; now or ?asOf= / ?asOfPosition=.");
        return api;
    }

    private static async Task<IResult> RegisterModel(RegisterModel command, ModelInventory inventory, HttpContext http) =>
        (await inventory.RegisterAsync(command, await http.CallAsync(), http.RequestAborted)).ToResult(m =>
            LedgerCalls.Created(m, $"/api/v1/inventory/{m.Id}")
        );

    private static async Task<IResult> RetireModel(string modelId, RetireRequest body, ModelInventory inventory, HttpContext http) =>
        (await inventory.RetireAsync(new RetireModel(modelId, body.Reason), await http.CallAsync(), http.RequestAborted)).ToResult(
            LedgerCalls.Ok
        );

    private static async Task<IResult> AddModelDelegate(
        string modelId,
        DelegateRequest body,
        PeopleDirectory people,
        ModelInventory inventory,
        HttpContext http
    )
    {
        var call = await http.CallAsync();
        if (!string.IsNullOrWhiteSpace(body.DelegateId) && Subjects.IsNamespaced(body.DelegateId))
            await people.RequireAsync(body.DelegateId, Roles.ModelOwner, "delegateId", http.RequestAborted);
        return (
            await inventory.AddDelegateAsync(new AddModelDelegate(modelId, body.DelegateId, body.Reason), call, http.RequestAborted)
        ).ToResult(LedgerCalls.Ok);
    }

    private static async Task<IResult> RemoveModelDelegate(
        string modelId,
        string delegateId,
        RetireRequest body,
        ModelInventory inventory,
        HttpContext http
    ) =>
        (
            await inventory.RemoveDelegateAsync(
                new RemoveModelDelegate(modelId, delegateId, body.Reason),
                await http.CallAsync(),
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> TransferModelOwnership(
        string modelId,
        TransferRequest body,
        PeopleDirectory people,
        ModelInventory inventory,
        HttpContext http
    )
    {
        var call = await http.CallAsync();
        if (!string.IsNullOrWhiteSpace(body.NewOwnerId) && Subjects.IsUser(body.NewOwnerId))
            await people.RequireAsync(body.NewOwnerId, Roles.ModelOwner, "newOwnerId", http.RequestAborted);
        return (
            await inventory.TransferOwnershipAsync(
                new TransferModelOwnership(modelId, body.NewOwnerId, body.Reason),
                call,
                http.RequestAborted
            )
        ).ToResult(LedgerCalls.Ok);
    }

    private static async Task<Ok<IReadOnlyList<InventoryEntry>>> GetInventory(
        RiskTier? riskTier,
        ModelVersionStatus? status,
        string? environment,
        string? owner,
        ModelInventory inventory,
        PointInTime history,
        HttpContext http
    )
    {
        var point = await http.ResolveAsync(history);
        return TypedResults.Ok(
            await inventory.InventoryAsync(new InventoryFilter(riskTier, status, environment, owner), point, http.RequestAborted)
        );
    }

    private static async Task<Ok<InventoryEntry>> GetInventoryEntry(
        string modelId,
        ModelInventory inventory,
        PointInTime history,
        HttpContext http
    )
    {
        var point = await http.ResolveAsync(history);
        return await inventory.EntryAsync(modelId, http.RequestAborted, point) is { } entry
            ? TypedResults.Ok(entry)
            : throw GovernanceRuleException.NotFound(
                "model.not_found",
                $"Model '{modelId}' is not registered (at ledger position {point.Position})."
            );
    }
}
