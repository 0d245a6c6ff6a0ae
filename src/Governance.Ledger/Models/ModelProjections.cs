using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Ledger.Deployments;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace Governance.Ledger.Models;

/// <summary>The model's own state, inline, for deciding model commands.</summary>
public sealed class ModelProjection : SingleStreamProjection<Model, string>
{
    public ModelProjection()
    {
        IncludeType<IModelEvent>();
    }

    public override Model? Evolve(Model? snapshot, string id, IEvent e) => Model.Evolve(snapshot, e.Data);
}

/// <summary>One version's line in the model inventory.</summary>
/// <param name="Deployments">The version's deployments that are live (<see cref="Deployment.RolledBackAt"/> null). Ended ones
/// are on the version's own record: the entry is rewritten by every command on any of the model's versions, and would
/// otherwise grow with every deployment the model ever had (docs/performance.md). An entry stored by an earlier release
/// keeps a version's ended ones until the next event on that version.</param>
public sealed record InventoryVersion(
    string Version,
    ModelVersionStatus Status,
    string ArtifactDigest,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastChangedAt,
    IReadOnlyList<Deployment> Deployments
)
{
    public IReadOnlyList<string> LiveEnvironments => Deployment.LiveEnvironments(Deployments);
}

/// <summary>One environment slot of a model as the inventory shows it: the live version (null when none) and whether it runs
/// under a valid approval (else the flag's code), with the canary and shadow if any.</summary>
public sealed record SlotSummary(
    string Environment,
    string? LiveVersion,
    bool RunningWithValidApproval,
    string? Flag,
    string? CanaryVersion,
    int? CanaryTrafficPercent,
    string? ShadowVersion
)
{
    public static SlotSummary Of(SlotView slot) =>
        new(
            slot.Environment,
            slot.Live?.Deployment.Version,
            slot.Live?.RunningWithValidApproval ?? true,
            slot.Live?.Code,
            slot.Canary?.Deployment.Version,
            slot.Canary?.Deployment.TrafficPercent,
            slot.Shadow?.Deployment.Version
        );
}

/// <summary>The model inventory (SR 11-7 / SS1/23 principle 1): each model with its risk tier and every version's status.</summary>
public sealed record InventoryEntry
{
    public required string Id { get; init; }
    public required Model Model { get; init; }
    public IReadOnlyList<InventoryVersion> Versions { get; init; } = [];

    /// <summary>The model's environment slots, attached when the entry is read (<see cref="ModelInventory"/>); empty in the
    /// stored projection.</summary>
    public IReadOnlyList<SlotSummary> Slots { get; init; } = [];

    /// <summary>Environments where a version is live: from the slots; for an environment without a slot (deployments recorded
    /// before slots existed), from those deployment records.</summary>
    public IReadOnlyList<string> LiveEnvironments =>
        Slots
            .Where(s => s.LiveVersion is not null)
            .Select(s => s.Environment)
            .Concat(Versions.SelectMany(v => v.LiveEnvironments).Where(e => Slots.All(s => s.Environment != e)))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
}

/// <summary>Inline, so the inventory is consistent with every committed command.</summary>
public sealed class InventoryProjection : MultiStreamProjection<InventoryEntry, string>
{
    public InventoryProjection()
    {
        Identity<IModelEvent>(e => e.ModelId);
        Identity<IModelVersionEvent>(e => e.ModelId);
    }

    public override InventoryEntry? Evolve(InventoryEntry? snapshot, string id, IEvent e)
    {
        switch (e.Data)
        {
            case IModelEvent:
                var model = Model.Evolve(snapshot?.Model, e.Data)!;
                return snapshot is null ? new InventoryEntry { Id = id, Model = model } : snapshot with { Model = model };
            case ModelVersionRegistered r when snapshot is not null:
                return snapshot with
                {
                    Versions =
                    [
                        .. snapshot.Versions,
                        new InventoryVersion(r.Version, ModelVersionStatus.Registered, r.ArtifactDigest, r.Audit.At, r.Audit.At, []),
                    ],
                };
            case IModelVersionEvent v when snapshot is not null:
                return snapshot with
                {
                    Versions = snapshot
                        .Versions.Select(x =>
                            x.Version != v.Version
                                ? x
                                : x with
                                {
                                    Status = ModelVersion.StatusAfter(x.Status, v),
                                    LastChangedAt = v.Audit.At,
                                    Deployments = Deployment.Evolve(x.Deployments, v).Where(d => d.RolledBackAt is null).ToArray(),
                                }
                        )
                        .ToArray(),
                };
            default:
                return snapshot;
        }
    }
}
