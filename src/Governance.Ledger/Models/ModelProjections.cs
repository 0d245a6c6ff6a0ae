using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
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

/// <summary>The model inventory (SR 11-7 / SS1/23 principle 1): each model with its risk tier and every version's status.</summary>
public sealed record InventoryEntry
{
    public required string Id { get; init; }
    public required Model Model { get; init; }
    public IReadOnlyList<InventoryVersion> Versions { get; init; } = [];
    public IReadOnlyList<string> LiveEnvironments =>
        Versions.SelectMany(v => v.LiveEnvironments).Distinct().Order(StringComparer.Ordinal).ToArray();
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
                                    Deployments = Deployment.Evolve(x.Deployments, v),
                                }
                        )
                        .ToArray(),
                };
            default:
                return snapshot;
        }
    }
}
