using System.Globalization;

namespace Governance.Ui.Forms;

/// <summary>Dates and times as every page shows them: ISO 8601 in UTC (never the browser's or server's culture, so 2027-11-29 reads
/// the same in every office), and the format date pickers show and accept when typed.</summary>
public static class Dates
{
    /// <summary>The format of date pickers, shown and typed.</summary>
    public const string PickerFormat = "yyyy-MM-dd";

    public static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A day as the address carries it (<see cref="PickerFormat"/>), or null when absent or malformed.</summary>
    public static DateTime? ParseDay(string? text) =>
        DateTime.TryParseExact(text, PickerFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    /// <summary>The last instant of <paramref name="day"/> in UTC: what "as of that day" asks for.</summary>
    public static DateTimeOffset EndOfDay(DateTime day) => new(day.Date.AddDays(1).AddTicks(-1), TimeSpan.Zero);

    public static string Minute(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
