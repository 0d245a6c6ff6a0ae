using System.Globalization;

namespace Governance.Ui.Components.Evidence;

/// <summary>A point of a line chart, in the chart's data units.</summary>
public sealed record ChartPoint(double X, double Y);

/// <summary>
/// One line of a chart: its name (legend and data table), its points in drawing order, a CSS colour, and whether it is
/// drawn dashed (a reference such as the previous version) or with a marker on each point (a reliability diagram's bins).
/// </summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string Color, bool Dashed = false, bool Markers = false);

/// <summary>One bar: its label, its value and, when known, the half-width of its error bar (same units).</summary>
public sealed record ChartBar(string Label, double Value, double? Error = null);

/// <summary>Number formatting shared by the evidence charts and tables: invariant culture, never "NaN" shown as a number.</summary>
public static class ChartText
{
    public static string Num(double value, string format = "0.###") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "—";

    public static string Num(double? value, string format = "0.###") => value is { } v ? Num(v, format) : "—";

    /// <summary>SVG coordinates: invariant, two decimals (a point in a 600-unit view box).</summary>
    public static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Percent(double value) => Num(100 * value, "0.#") + "%";
}
