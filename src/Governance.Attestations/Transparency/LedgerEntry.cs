using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Governance.Attestations.Transparency;

/// <summary>
/// One ledger event as a leaf of the transparency log: the columns of its <c>mt_events</c> row that make it what it is. The
/// leaf's input is the RFC 8785 (JCS) form of
/// <c>{"seq","id","stream","version","type","timestamp","correlationId","data"}</c>; docs/transparency-log.md gives a Python
/// script that recomputes it from a row.
/// </summary>
/// <param name="Seq">The event's global sequence number (<c>seq_id</c>).</param>
/// <param name="Id">The event's uuid (<c>id</c>), written lower-case with hyphens.</param>
/// <param name="Stream">The stream key (<c>stream_id</c>).</param>
/// <param name="Version">The event's version in its stream (<c>version</c>).</param>
/// <param name="Type">Marten's event type alias (<c>type</c>), e.g. <c>model_registered</c>.</param>
/// <param name="Timestamp">When the event was stored (<c>timestamp</c>), written in UTC with microseconds
/// (<c>2026-11-29T22:55:01.123456Z</c>), PostgreSQL's precision.</param>
/// <param name="CorrelationId">The correlation id (<c>correlation_id</c>), null when none was stored.</param>
/// <param name="Data">The payload as stored: the text of the <c>data</c> jsonb column, never an upcast object, so an upcaster
/// added later changes no past leaf.</param>
public sealed record LedgerEntry(
    long Seq,
    Guid Id,
    string Stream,
    long Version,
    string Type,
    DateTimeOffset Timestamp,
    string? CorrelationId,
    string Data
)
{
    /// <summary><see cref="Timestamp"/> as the leaf writes it: RFC 3339 in UTC with six fractional digits.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The leaf input: the JCS bytes of the entry object, <c>data</c> re-canonicalised.</summary>
    /// <exception cref="ArgumentException"><see cref="Data"/> is not I-JSON (see <see cref="Jcs"/>).</exception>
    /// <exception cref="JsonException"><see cref="Data"/> is not JSON.</exception>
    public byte[] Canonical()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", Seq);
            writer.WriteString("id", Id.ToString("D"));
            writer.WriteString("stream", Stream);
            writer.WriteNumber("version", Version);
            writer.WriteString("type", Type);
            writer.WriteString("timestamp", FormatTimestamp(Timestamp));
            writer.WriteString("correlationId", CorrelationId);
            writer.WritePropertyName("data");
            writer.WriteRawValue(Data);
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return Jcs.Canonicalize(document.RootElement);
    }

    /// <summary>The leaf hash, SHA-256(0x00 ‖ <see cref="Canonical"/>) (RFC 9162 §2.1.1).</summary>
    public byte[] LeafHash() => Rfc6962.LeafHash(Canonical());

    /// <summary>The leaf input as text (UTF-8), as the API shows it.</summary>
    public string CanonicalText() => Encoding.UTF8.GetString(Canonical());
}
