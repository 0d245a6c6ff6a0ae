using Governance.Domain.Shared;

namespace Governance.Ledger.People;

/// <summary>
/// Where display names come from at read time: the host's identity store. The ledger records subject ids only
/// (<see cref="Actor"/>); pages, answers and evidence packs join names through this, so erasing or renaming a person
/// changes what is shown and never what is sealed.
/// </summary>
public interface IPeopleDirectory
{
    /// <summary>The names the directory holds now, by namespaced subject id.</summary>
    Task<PeopleNames> NamesAsync(CancellationToken ct);
}

/// <summary>A host without an identity store (the CLI, benchmarks): every party is shown by its subject id.</summary>
public sealed class NoPeopleDirectory : IPeopleDirectory
{
    public Task<PeopleNames> NamesAsync(CancellationToken ct) => Task.FromResult(PeopleNames.None);
}
