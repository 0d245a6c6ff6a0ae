using System.Globalization;

namespace Governance.Ui.Forms;

/// <summary>Dates and times as every page shows them: ISO 8601 in UTC (never the browser's or server's culture, so 2027-11-29 reads
/// the same in every office), and the format date pickers show and accept when typed.</summary>
public static class Dates
{
    /// <summary>The format of date pickers, shown and typed.</summary>
    public const string PickerFormat = "yyyy-MM-dd";

    public static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Minute(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
