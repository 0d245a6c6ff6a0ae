using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Domain.Datasets;
using Marten;

namespace Governance.Ledger.Datasets;

/// <summary>
/// The upcaster of <see cref="DatasetRegistered"/> as releases before manifest encodings stored it: event type name
/// <see cref="EventTypeName"/>, no <c>manifestEncoding</c> field, its digest in the line-based text encoding. Read back, it
/// says <see cref="Dataset.TextManifestEncoding"/> (<c>v1-text</c>); its digest is kept as it was, so references to it
/// (model versions, signed attestations) still resolve. New events are stored under the name <c>dataset_registered_v2</c>.
/// </summary>
public static class DatasetRegisteredV1
{
    /// <summary>The event type name of the previous release, in <c>mt_events.type</c>.</summary>
    public const string EventTypeName = "dataset_registered";

    /// <summary>The stored JSON with <c>manifestEncoding: "v1-text"</c> added, read with the store's own serializer.</summary>
    public static DatasetRegistered Upcast(JsonDocument stored, ISerializer serializer)
    {
        var upcast = JsonNode.Parse(stored.RootElement.GetRawText())!.AsObject();
        upcast["manifestEncoding"] = Dataset.TextManifestEncoding;
        using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(upcast));
        return serializer.FromJson<DatasetRegistered>(json);
    }
}
