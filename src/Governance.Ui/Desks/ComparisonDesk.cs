using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Validation;
using Marten;

namespace Governance.Ui.Desks;

/// <summary>The comparison page: the model, its versions in registration order, and the comparison of the two chosen (null when
/// the model has fewer than two versions).</summary>
public sealed record ComparisonPage(Model Model, IReadOnlyList<ModelVersion> Versions, VersionComparison? Comparison);

/// <summary>Two versions of a model side by side (<see cref="VersionComparer"/>).</summary>
public interface IComparisonDesk
{
    /// <summary>The comparison of <paramref name="from"/> with <paramref name="to"/>; when <paramref name="to"/> is not given or
    /// unknown, the newest version; when <paramref name="from"/> is not given or unknown, the version registered just before
    /// <paramref name="to"/>. Null when the model is not registered.</summary>
    Task<ComparisonPage?> CompareAsync(string modelId, string? from, string? to, CancellationToken ct);
}

internal sealed class LedgerComparisonDesk(IDocumentStore store, FindingRecords findings) : IComparisonDesk
{
    public async Task<ComparisonPage?> CompareAsync(string modelId, string? from, string? to, CancellationToken ct)
    {
        IReadOnlyList<ModelVersion> versions;
        Model? model;
        await using (var session = store.QuerySession())
        {
            model = await session.LoadAsync<Model>(modelId, ct);
            if (model is null)
                return null;
            versions = (await session.Query<ModelVersion>().Where(v => v.ModelId == modelId).ToListAsync(ct))
                .OrderBy(v => v.RegisteredAt)
                .ToArray();
        }
        if (versions.Count < 2)
            return new ComparisonPage(model, versions, null);
        var later = versions.FirstOrDefault(v => v.Version == to) ?? versions[^1];
        var laterIndex = versions.ToList().IndexOf(later);
        var earlier =
            versions.FirstOrDefault(v => v.Version == from && v != later) ?? (laterIndex > 0 ? versions[laterIndex - 1] : versions[1]);
        var comparison = VersionComparer.Compare(
            earlier,
            later,
            await findings.OfVersionAsync(new VersionRef(modelId, earlier.Version), ct),
            await findings.OfVersionAsync(new VersionRef(modelId, later.Version), ct)
        );
        return new ComparisonPage(model, versions, comparison);
    }
}
