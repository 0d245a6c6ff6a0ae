using System.Globalization;
using System.Text;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.Models;
using Governance.Ui.Forms;

namespace Governance.Ui.Desks;

/// <summary>
/// The inventory as people ask for it in the address (<c>/inventory?q=…&amp;tier=High&amp;environment=production&amp;live=true</c>):
/// the ledger's filter (<see cref="InventoryFilter"/>) plus the name search and the "live" and "flagged" views, read the same
/// way by the page and by its CSV export so the file holds exactly what the page shows.
/// </summary>
/// <param name="Text">Part of a model's name or id, any case.</param>
/// <param name="AsOf">The inventory at the end of this day (UTC).</param>
/// <param name="Live">Only models live in some environment.</param>
/// <param name="Flagged">Only models with a slot running without a valid approval.</param>
public sealed record InventoryQuery(
    string? Text = null,
    RiskTier? Tier = null,
    ModelVersionStatus? Status = null,
    string? Environment = null,
    string? Owner = null,
    DateTime? AsOf = null,
    bool Live = false,
    bool Flagged = false
)
{
    /// <summary>Reads the query from the address's parameters; unknown or malformed values are ignored (the filter is off).</summary>
    public static InventoryQuery Parse(Func<string, string?> parameter) =>
        new(
            Blank(parameter("q")),
            Enum.TryParse<RiskTier>(parameter("tier"), ignoreCase: true, out var tier) ? tier : null,
            Enum.TryParse<ModelVersionStatus>(parameter("status"), ignoreCase: true, out var status) ? status : null,
            Blank(parameter("environment")),
            Blank(parameter("owner")),
            Dates.ParseDay(parameter("asOf")),
            bool.TryParse(parameter("live"), out var live) && live,
            bool.TryParse(parameter("flagged"), out var flagged) && flagged
        );

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The ledger's part. Environment names are lower-case slugs, so "Production" means "production".</summary>
    public InventoryFilter Filter =>
        new(Tier, Status, Environment?.ToLowerInvariant(), Owner, AsOf is { } day ? Dates.EndOfDay(day) : null);

    /// <summary>The rows the ledger returned, narrowed by the name search and the views.</summary>
    public IReadOnlyList<InventoryEntry> Select(IEnumerable<InventoryEntry> rows) =>
        rows.Where(r =>
                Text is null
                || r.Model.Name.Contains(Text, StringComparison.CurrentCultureIgnoreCase)
                || r.Model.Id.Contains(Text, StringComparison.OrdinalIgnoreCase)
            )
            .Where(r => !Live || r.LiveEnvironments.Count > 0)
            .Where(r => !Flagged || r.Slots.Any(s => !s.RunningWithValidApproval))
            .ToArray();

    /// <summary>The address's parameters for this query (absent when off), for links and the browser's history.</summary>
    public IReadOnlyDictionary<string, object?> Parameters =>
        new Dictionary<string, object?>
        {
            ["q"] = Text,
            ["tier"] = Tier?.ToString(),
            ["status"] = Status?.ToString(),
            ["environment"] = Environment?.ToLowerInvariant(),
            ["owner"] = Owner,
            ["asOf"] = AsOf?.ToString(Dates.PickerFormat, CultureInfo.InvariantCulture),
            ["live"] = Live ? true : null,
            ["flagged"] = Flagged ? true : null,
        };
}

/// <summary>The inventory as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line
/// break), one row per model version, for spreadsheets. A cell that a spreadsheet would run as a formula (starting with =, +, -, @,
/// tab or carriage return; OWASP "CSV injection") is prefixed with an apostrophe.</summary>
public static class InventoryCsv
{
    public static readonly string[] Header =
    [
        "model_id",
        "model_name",
        "risk_tier",
        "owner",
        "retired",
        "version",
        "version_status",
        "artifact_sha256",
        "registered_at_utc",
        "live_in",
        "running_without_valid_approval",
    ];

    public static string Write(IEnumerable<InventoryEntry> rows, PeopleNames names)
    {
        var csv = new StringBuilder();
        Line(csv, Header);
        foreach (var entry in rows)
        {
            var flagged = string.Join(
                " ",
                entry.Slots.Where(s => !s.RunningWithValidApproval).Select(s => $"{s.Environment}:{s.LiveVersion}")
            );
            foreach (var v in entry.Versions.DefaultIfEmpty())
                Line(
                    csv,
                    [
                        entry.Model.Id,
                        entry.Model.Name,
                        entry.Model.RiskTier.ToString(),
                        names.Of(entry.Model.OwnerId),
                        entry.Model.IsRetired ? "yes" : "no",
                        v?.Version ?? "",
                        v is null ? "" : Words.Of(v.Status),
                        v?.ArtifactDigest ?? "",
                        v is null ? "" : v.RegisteredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                        v is null ? "" : string.Join(" ", v.LiveEnvironments),
                        flagged,
                    ]
                );
        }
        return csv.ToString();
    }

    private static void Line(StringBuilder csv, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
                csv.Append(',');
            csv.Append(Cell(cells[i]));
        }
        csv.Append("\r\n");
    }

    private static string Cell(string value)
    {
        var safe = value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{safe.Replace("\"", "\"\"")}\"" : safe;
    }
}
