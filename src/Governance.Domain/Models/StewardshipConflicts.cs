using Governance.Domain.Shared;

namespace Governance.Domain.Models;

/// <summary>
/// A person's standing conflicts as an administrator reviews access: the role pairs one person should not hold
/// (<see cref="Roles.Conflicts"/>), and each model they own or are a delegate of (the first line) while holding a second- or
/// third-line role (Validator, RiskOfficer, Auditor). Segregation of duties still refuses each conflicted decision; this names
/// the exposure before it is tried (SR 26-2 / PRA SS1/23 independence; three lines of defence).
/// </summary>
public static class StewardshipConflicts
{
    private static readonly string[] Independent = [Roles.Validator, Roles.RiskOfficer, Roles.Auditor];

    /// <summary>The warnings for <paramref name="subjectId"/> holding <paramref name="roles"/>, given every model; empty when
    /// none.</summary>
    public static IReadOnlyList<string> Of(string subjectId, IReadOnlyCollection<string> roles, IEnumerable<Model> models)
    {
        var independent = Independent.Where(roles.Contains).ToArray();
        var warnings = new List<string>(Roles.Conflicts(roles));
        if (independent.Length == 0)
            return warnings;
        foreach (var model in models.Where(m => !m.IsRetired).OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            var part =
                model.OwnerId == subjectId ? "owns"
                : model.Delegates.Contains(subjectId) ? "is a delegate of"
                : null;
            if (part is not null)
                warnings.Add($"{part} model {model.Id} and holds {string.Join(" and ", independent)}");
        }
        return warnings;
    }
}
