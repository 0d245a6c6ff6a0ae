using Governance.Domain.Shared;

namespace Governance.Domain.Models;

public enum RiskTier
{
    High,
    Medium,
    Low,
}

/// <summary>Every event in a model's own stream (not its versions'): its registration, retirement, delegates and owner.</summary>
public interface IModelEvent : ILedgerEvent
{
    string ModelId { get; }
}

public sealed record ModelRegistered(
    string ModelId,
    string Name,
    string OwnerId,
    string BusinessPurpose,
    RiskTier RiskTier,
    string? EuAiActCategory,
    IReadOnlyList<string> Jurisdictions,
    Audit Audit
) : IModelEvent;

public sealed record ModelRetired(string ModelId, Audit Audit) : IModelEvent;

/// <summary>The owner named a delegate (a person, or a machine client such as a CI pipeline) who may act for them on this
/// model: register versions, submit them for validation, request approvals, retire and suspend versions.</summary>
/// <param name="DelegateId">The delegate's namespaced subject (<c>user:…</c> or <c>client:…</c>).</param>
public sealed record ModelDelegateAdded(string ModelId, string DelegateId, Audit Audit) : IModelEvent;

/// <summary>A delegate may no longer act for the owner on this model.</summary>
public sealed record ModelDelegateRemoved(string ModelId, string DelegateId, Audit Audit) : IModelEvent;

/// <summary>Ownership passed to another person, approved by the risk officer or administrator who recorded it.</summary>
/// <param name="PreviousOwnerId">The owner until now (namespaced).</param>
/// <param name="NewOwnerId">The new owner, a person (<c>user:…</c>).</param>
public sealed record ModelOwnershipTransferred(string ModelId, string PreviousOwnerId, string NewOwnerId, Audit Audit) : IModelEvent;

/// <summary>A model in the inventory: the thing a business uses, of which versions are registered, validated and approved.</summary>
public sealed record Model
{
    public required string Id { get; init; }
    public required string Name { get; init; }

    /// <summary>The accountable owner (first line), a person's namespaced subject; their name comes from the people directory
    /// at read time (<see cref="PeopleNames"/>).</summary>
    public required string OwnerId { get; init; }

    /// <summary>Who may act for the owner on this model (<see cref="ModelDelegateAdded"/>), namespaced subjects.</summary>
    public IReadOnlyList<string> Delegates { get; init; } = [];
    public required string BusinessPurpose { get; init; }
    public required RiskTier RiskTier { get; init; }
    public string? EuAiActCategory { get; init; }
    public required IReadOnlyList<string> Jurisdictions { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset? RetiredAt { get; init; }
    public bool IsRetired => RetiredAt is not null;

    /// <summary>The owner or one of the delegates: who may act for the first line on this model.</summary>
    public bool IsSteward(string subjectId) => subjectId == OwnerId || Delegates.Contains(subjectId);

    public static Model? Evolve(Model? state, object @event) =>
        @event switch
        {
            ModelRegistered e => new Model
            {
                Id = e.ModelId,
                Name = e.Name,
                OwnerId = e.OwnerId,
                BusinessPurpose = e.BusinessPurpose,
                RiskTier = e.RiskTier,
                EuAiActCategory = e.EuAiActCategory,
                Jurisdictions = e.Jurisdictions,
                RegisteredAt = e.Audit.At,
            },
            ModelRetired e when state is not null => state with { RetiredAt = e.Audit.At },
            ModelDelegateAdded e when state is not null => state with { Delegates = [.. state.Delegates, e.DelegateId] },
            ModelDelegateRemoved e when state is not null => state with
            {
                Delegates = state.Delegates.Where(d => d != e.DelegateId).ToArray(),
            },
            ModelOwnershipTransferred e when state is not null => state with
            {
                OwnerId = e.NewOwnerId,
                Delegates = state.Delegates.Where(d => d != e.NewOwnerId).ToArray(),
            },
            _ => state,
        };
}
