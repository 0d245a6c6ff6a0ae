using Governance.Domain.Shared;

namespace Governance.Ledger.Development;

/// <summary>
/// The fixed subjects of the development people and pipeline: the API's Development sign-in creates them, and the demo
/// inventory is recorded as them, so signing in as them acts on the same records. Nothing uses them outside Development.
/// Display names are names only, as a bank's directory gives them: pages show the role each act was recorded in beside it.
/// </summary>
public static class DevelopmentParties
{
    public static readonly IReadOnlyList<(string Subject, string UserName, string Name, string Role)> People =
    [
        ("dev-owner-olivia", "olivia", "Olivia Owner", Roles.ModelOwner),
        ("dev-validator-victor", "victor", "Victor Validator", Roles.Validator),
        ("dev-officer-rita", "rita", "Rita Risk", Roles.RiskOfficer),
        ("dev-officer-ravi", "ravi", "Ravi Risk", Roles.RiskOfficer),
        ("dev-auditor-ada", "ada", "Ada Auditor", Roles.Auditor),
        ("dev-admin-adam", "adam", "Adam Admin", Roles.Admin),
    ];

    public static readonly (string Subject, string Name, string Role) Pipeline = (
        "governance-pipeline",
        "Deployment pipeline (CI)",
        Roles.DeploymentPipeline
    );
}
