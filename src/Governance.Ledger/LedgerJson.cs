using System.Text.Json;
using System.Text.Json.Serialization;

namespace Governance.Ledger;

/// <summary>
/// The JSON the ledger shows to the outside (web defaults: camelCase; enums as strings). Payload digests are SHA-256 over
/// an event in this form, so the API, the UI timeline and the evidence packs print the same digest for the same event.
/// </summary>
public static class LedgerJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Applies the ledger's conventions to a host's options (e.g. ASP.NET Core's HTTP JSON options). Duplicate properties
    /// are refused, also when they differ only in case: a proxy or reviewer reading the first <c>riskTier</c> must not see
    /// a different request from the one recorded.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        // Names only: an integer would bind to any value of the enum's type, defined or not ("format": 1).
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.AllowDuplicateProperties = false;
        return options;
    }
}
