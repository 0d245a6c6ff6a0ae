using Governance.Domain.Shared;

namespace Governance.Domain.Models;

public enum RiskTier
{
    High,
    Medium,
    Low,
}

public sealed record ModelRegistered(
    string ModelId,
    string Name,
    string OwnerId,
    string OwnerName,
    string BusinessPurpose,
    RiskTier RiskTier,
    string? EuAiActCategory,
    IReadOnlyList<string> Jurisdictions,
    Audit Audit
) : ILedgerEvent;

public sealed record ModelRetired(string ModelId, Audit Audit) : ILedgerEvent;

/// <summary>A model in the inventory: the thing a business uses, of which versions are registered, validated and approved.</summary>
public sealed record Model
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string OwnerId { get; init; }
    public required string OwnerName { get; init; }
    public required string BusinessPurpose { get; init; }
    public required RiskTier RiskTier { get; init; }
    public string? EuAiActCategory { get; init; }
    public required IReadOnlyList<string> Jurisdictions { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset? RetiredAt { get; init; }
    public bool IsRetired => RetiredAt is not null;

    public static Model? Evolve(Model? state, object @event) =>
        @event switch
        {
            ModelRegistered e => new Model
            {
                Id = e.ModelId,
                Name = e.Name,
                OwnerId = e.OwnerId,
                OwnerName = e.OwnerName,
                BusinessPurpose = e.BusinessPurpose,
                RiskTier = e.RiskTier,
                EuAiActCategory = e.EuAiActCategory,
                Jurisdictions = e.Jurisdictions,
                RegisteredAt = e.Audit.At,
            },
            ModelRetired e when state is not null => state with { RetiredAt = e.Audit.At },
            _ => state,
        };
}
