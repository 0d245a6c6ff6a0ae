namespace Governance.Api.Identity;

/// <summary>
/// The deployment's access policy. <c>Governance:Access:ConflictingRoles</c>: <c>Warn</c> (default) grants conflicting roles
/// to one person (<see cref="Domain.Shared.Roles.Conflicts"/>) and names the conflict in the admin API's answer, for a small
/// team that must combine them; <c>Refuse</c> refuses the grant (400, field <c>roles</c>). Either way segregation of duties
/// refuses every conflicted decision per model.
/// </summary>
public sealed record AccessPolicy(bool RefuseConflictingRoles)
{
    /// <exception cref="InvalidOperationException">A value other than Warn or Refuse, naming it.</exception>
    public static AccessPolicy From(IConfiguration configuration) =>
        configuration["Governance:Access:ConflictingRoles"] switch
        {
            null or "" or "Warn" => new(false),
            "Refuse" => new(true),
            var other => throw new InvalidOperationException(
                $"Governance:Access:ConflictingRoles is '{other}'; it must be Warn or Refuse."
            ),
        };
}
