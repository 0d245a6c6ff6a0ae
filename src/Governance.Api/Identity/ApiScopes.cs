namespace Governance.Api.Identity;

/// <summary>The API's OAuth scopes: people's delegated access to the ledger, and machines' narrow ones.</summary>
public static class ApiScopes
{
    public const string LedgerRead = "ledger:read";
    public const string LedgerWrite = "ledger:write";
    public const string ApprovalsRead = "approvals:read";
    public const string DeploymentsWrite = "deployments:write";

    /// <summary>Model servers reporting that they loaded, or refused to load, an artifact.</summary>
    public const string LoadsWrite = "loads:write";

    /// <summary>A machine client's first-line writes (datasets, versions, validation submissions, approval requests,
    /// retirement and suspension of versions), valid only on models that name the client as a delegate.</summary>
    public const string ModelsWrite = "models:write";

    /// <summary>Reading the operational metrics at <c>/metrics</c> (a Prometheus scraper's machine client); nothing else.</summary>
    public const string MetricsRead = "metrics:read";

    public static readonly IReadOnlyList<string> All =
    [
        LedgerRead,
        LedgerWrite,
        ApprovalsRead,
        DeploymentsWrite,
        LoadsWrite,
        ModelsWrite,
        MetricsRead,
    ];

    /// <summary>Where the first line writes: a person's ledger:write, or a delegated machine client's models:write.</summary>
    public static readonly string[] FirstLineWrite = [LedgerWrite, ModelsWrite];

    /// <summary>The audience of access tokens for this API.</summary>
    public const string ApiResource = "governance-api";
}
