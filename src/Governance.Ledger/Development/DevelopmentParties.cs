using Governance.Domain.Shared;

namespace Governance.Ledger.Development;

/// <summary>
/// The fixed subjects of the development people and pipeline: the API's Development sign-in creates them, and the demo
/// inventory is recorded as them, so signing in as them acts on the same records. Nothing uses them outside Development.
/// </summary>
public static class DevelopmentParties
{
    public static readonly IReadOnlyList<(string Subject, string UserName, string Name, string Role)> People =
    [
        ("dev-owner-olivia", "olivia", "Olivia Owner (model owner)", Roles.ModelOwner),
        ("dev-validator-victor", "victor", "Victor Validator (independent validation)", Roles.Validator),
        ("dev-officer-rita", "rita", "Rita Risk (risk officer)", Roles.RiskOfficer),
        ("dev-officer-ravi", "ravi", "Ravi Risk (risk officer)", Roles.RiskOfficer),
        ("dev-auditor-ada", "ada", "Ada Auditor (internal audit)", Roles.Auditor),
        ("dev-admin-adam", "adam", "Adam Admin", Roles.Admin),
    ];

    public static readonly (string Subject, string Name, string Role) Pipeline = (
        "governance-pipeline",
        "Deployment pipeline (CI)",
        Roles.DeploymentPipeline
    );
}
