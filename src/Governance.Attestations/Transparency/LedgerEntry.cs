using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
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
    /// <summary>
    /// The stream of Marten's tombstones (<c>mt_tombstone</c>, Marten's <c>StorageConstants.TombstoneStreamKey</c>): when a save
    /// fails after some of its events were numbered, Marten later inserts an empty <c>tombstone</c> event under each of those
    /// numbers, on a connection of its own and outside the ledger's append lock, so that a reader waiting for gaps to close
    /// does not wait for ever. A tombstone records nothing, and it can land below a position already sealed; so it is never a
    /// leaf of the transparency log (an earlier release sealed those already there when the sealer passed, and those stay
    /// leaves).
    /// </summary>
    public const string TombstoneStream = "mt_tombstone";

    /// <summary>Marten's event type alias for a tombstone.</summary>
    public const string TombstoneType = "tombstone";

    /// <summary><see cref="Timestamp"/> as the leaf writes it: RFC 3339 in UTC with six fractional digits.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The leaf input: the JCS bytes of the entry object, <c>data</c> re-canonicalised.</summary>
    /// <exception cref="ArgumentException"><see cref="Data"/> is not I-JSON (see <see cref="Jcs"/>).</exception>
    /// <exception cref="JsonException"><see cref="Data"/> is not JSON.</exception>
    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteCanonical(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The leaf hash, SHA-256(0x00 ‖ <see cref="Canonical"/>) (RFC 9162 §2.1.1).</summary>
    /// <exception cref="ArgumentException">As <see cref="Canonical"/>.</exception>
    /// <exception cref="JsonException">As <see cref="Canonical"/>.</exception>
    public byte[] LeafHash()
    {
        // Sealing and verifying hash every event: the buffer is reused per thread.
        var buffer = _leafBuffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        buffer.Write([Rfc6962.LeafPrefix]);
        WriteCanonical(buffer);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _leafBuffer;

    /// <summary>
    /// The leaf hashes of <paramref name="entries"/>, in their order, computed on every core: the sealer and the verifier hash
    /// every event, and the JCS form is most of their work. An entry whose data is not JSON or not I-JSON gets the error
    /// instead of a hash (an event the ledger's writer cannot have stored).
    /// </summary>
    public static LeafHashResult[] LeafHashes(IReadOnlyList<LedgerEntry> entries)
    {
        var results = new LeafHashResult[entries.Count];
        if (results.Length == 0)
            return results;
        var chunk = Math.Max(64, entries.Count / (4 * Environment.ProcessorCount));
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(0, entries.Count, chunk),
            range =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                    try
                    {
                        results[i] = new LeafHashResult(entries[i].LeafHash(), null);
                    }
                    catch (Exception e) when (e is ArgumentException or JsonException)
                    {
                        results[i] = new LeafHashResult(null, e.Message);
                    }
            }
        );
        return results;
    }

    /// <summary>Writes the entry object with its members in JCS order (RFC 8785 §3.2.3: correlationId, data, id, seq, stream,
    /// timestamp, type, version), so only <see cref="Data"/> needs parsing.</summary>
    private void WriteCanonical(IBufferWriter<byte> output)
    {
        using var data = JsonDocument.Parse(Data);
        output.Write("{\"correlationId\":"u8);
        if (CorrelationId is null)
            output.Write("null"u8);
        else
            Jcs.WriteString(CorrelationId, output);
        output.Write(",\"data\":"u8);
        Jcs.Canonicalize(data.RootElement, output);
        output.Write(",\"id\":"u8);
        Jcs.WriteString(Id.ToString("D"), output);
        output.Write(",\"seq\":"u8);
        Jcs.WriteInteger(Seq, output);
        output.Write(",\"stream\":"u8);
        Jcs.WriteString(Stream, output);
        output.Write(",\"timestamp\":"u8);
        Jcs.WriteString(FormatTimestamp(Timestamp), output);
        output.Write(",\"type\":"u8);
        Jcs.WriteString(Type, output);
        output.Write(",\"version\":"u8);
        Jcs.WriteInteger(Version, output);
        output.Write("}"u8);
    }

    /// <summary>The leaf input as text (UTF-8), as the API shows it.</summary>
    public string CanonicalText() => Encoding.UTF8.GetString(Canonical());
}

/// <summary>An entry's leaf hash, or why it has none (<see cref="Error"/>: its data is not JSON, or not I-JSON).</summary>
public readonly record struct LeafHashResult(byte[]? Hash, string? Error);
