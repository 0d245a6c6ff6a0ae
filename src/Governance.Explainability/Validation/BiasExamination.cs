using System.Globalization;
using Governance.Domain.Evidence;
using MathNet.Numerics.Random;

namespace Governance.Explainability.Validation;

/// <summary>
/// A protected attribute as configured on the command line, parsed by <see cref="Parse"/>:
/// <list type="bullet">
/// <item><c>COLUMN</c>: one group per distinct value of the column (e.g. <c>ForeignWorker</c>).</item>
/// <item><c>NAME=GROUP:COL1,COL2</c>: rows where any listed column reads 1 form GROUP, every other row "other" (for one-hot
/// data: <c>sex=female:Personal.Female.NotSingle,Personal.Female.Single</c>). Several groups are separated by <c>;</c>.</item>
/// <item><c>COLUMN=BANDS</c>: bands of a number, each <c>&lt;a</c>, <c>&lt;=a</c>, <c>&gt;a</c>, <c>&gt;=a</c> or <c>a-b</c>
/// (both ends included), e.g. <c>Age=&lt;25,25-59,&gt;=60</c>; a value in no band is in group "unbanded".</item>
/// </list>
/// </summary>
public sealed record ProtectedAttribute(string Name, string Definition, Func<string[], Func<string, int>, string> GroupOf)
{
    /// <exception cref="ArgumentException">When the text is not one of the three forms (the message says which part).</exception>
    public static ProtectedAttribute Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            var column = text.Trim();
            if (column.Length == 0)
                throw new ArgumentException("A protected attribute needs a column name.");
            return new ProtectedAttribute(column, text, (row, index) => row[index(column)]);
        }
        var name = text[..eq].Trim();
        var body = text[(eq + 1)..].Trim();
        if (name.Length == 0 || body.Length == 0)
            throw new ArgumentException($"Protected attribute \"{text}\": expected NAME=GROUP:COLUMNS or COLUMN=BANDS.");
        if (body.Contains(':', StringComparison.Ordinal))
        {
            var groups = body.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(g =>
                {
                    var colon = g.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0)
                        throw new ArgumentException($"Protected attribute \"{text}\": group \"{g}\" is not GROUP:COLUMN,COLUMN.");
                    return (Group: g[..colon].Trim(), Columns: g[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries));
                })
                .ToArray();
            return new ProtectedAttribute(
                name,
                text,
                (row, index) =>
                {
                    foreach (var (group, columns) in groups)
                        if (columns.Any(c => IsOne(row[index(c)])))
                            return group;
                    return "other";
                }
            );
        }
        var bands = body.Split(',', StringSplitOptions.TrimEntries).Select(b => Band.Parse(b, text)).ToArray();
        return new ProtectedAttribute(
            name,
            text,
            (row, index) =>
            {
                var cell = row[index(name)];
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    return "unbanded";
                return bands.FirstOrDefault(b => b.Contains(v))?.Label ?? "unbanded";
            }
        );
    }

    private static bool IsOne(string cell) => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v == 1;

    private sealed record Band(string Label, double Low, bool LowIncluded, double High, bool HighIncluded)
    {
        public bool Contains(double v) => (LowIncluded ? v >= Low : v > Low) && (HighIncluded ? v <= High : v < High);

        public static Band Parse(string b, string text)
        {
            double N(string s) =>
                double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                    ? v
                    : throw new ArgumentException($"Protected attribute \"{text}\": band \"{b}\" has no number \"{s}\".");
            if (b.StartsWith("<=", StringComparison.Ordinal))
                return new Band(b, double.NegativeInfinity, true, N(b[2..]), true);
            if (b.StartsWith(">=", StringComparison.Ordinal))
                return new Band(b, N(b[2..]), true, double.PositiveInfinity, true);
            if (b.StartsWith('<'))
                return new Band(b, double.NegativeInfinity, true, N(b[1..]), false);
            if (b.StartsWith('>'))
                return new Band(b, N(b[1..]), false, double.PositiveInfinity, true);
            var dash = b.IndexOf('-', 1);
            if (dash < 0)
                throw new ArgumentException($"Protected attribute \"{text}\": band \"{b}\" is not <a, <=a, >a, >=a or a-b.");
            return new Band(b, N(b[..dash]), true, N(b[(dash + 1)..]), true);
        }
    }
}

/// <summary>
/// Group outcomes at a decision threshold for each protected attribute (Hardt, Price and Srebro 2016 for equal opportunity):
/// selection rate = share flagged positive (p ≥ threshold), TPR, FPR, and the demographic-parity and equal-opportunity
/// differences of each group from the largest group, with 95% percentile intervals from a seeded bootstrap of
/// the rows (<see cref="BootstrapSamples"/> resamples, Mersenne Twister). Groups under 30 rows are flagged.
/// </summary>
public static class BiasExamination
{
    public const int BootstrapSamples = 1000;
    public const int SmallGroup = 30;

    /// <param name="cells">The dataset's rows of text cells.</param>
    /// <param name="columnIndex">A column's index by name (throws <see cref="ArgumentException"/> naming a missing column).</param>
    public static BiasAttribute Examine(
        ProtectedAttribute attribute,
        IReadOnlyList<string[]> cells,
        Func<string, int> columnIndex,
        IReadOnlyList<double> probabilities,
        IReadOnlyList<int> labels,
        double threshold,
        int seed
    )
    {
        var n = labels.Count;
        var groupOf = cells.Select(r => attribute.GroupOf(r, columnIndex)).ToArray();
        var names = groupOf.Distinct().Order(StringComparer.Ordinal).ToArray();
        var groupIndex = names.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
        var g = groupOf.Select(x => groupIndex[x]).ToArray();
        var flagged = probabilities.Select(p => p >= threshold).ToArray();
        var sizes = new int[names.Length];
        foreach (var k in g)
            sizes[k]++;
        // The largest group is the reference (the first by name on ties).
        var reference = Array.IndexOf(sizes, sizes.Max());

        var point = Rates(g, flagged, labels, names.Length, Enumerable.Range(0, n));
        var random = new MersenneTwister(seed, threadSafe: false);
        var dp = new List<double>[names.Length];
        var eo = new List<double>[names.Length];
        for (var k = 0; k < names.Length; k++)
        {
            dp[k] = [];
            eo[k] = [];
        }
        var sample = new int[n];
        for (var b = 0; b < BootstrapSamples; b++)
        {
            for (var i = 0; i < n; i++)
                sample[i] = random.Next(n);
            var rates = Rates(g, flagged, labels, names.Length, sample);
            for (var k = 0; k < names.Length; k++)
            {
                if (rates[k].Size > 0 && rates[reference].Size > 0)
                    dp[k].Add(rates[k].Selection - rates[reference].Selection);
                if (rates[k].Tpr is { } t && rates[reference].Tpr is { } r)
                    eo[k].Add(t - r);
            }
        }

        var groups = new List<GroupOutcome>(names.Length);
        for (var k = 0; k < names.Length; k++)
        {
            var eoDiff = point[k].Tpr is { } t && point[reference].Tpr is { } r ? t - r : (double?)null;
            groups.Add(
                new GroupOutcome(
                    names[k],
                    sizes[k],
                    point[k].Selection,
                    point[k].Tpr,
                    point[k].Fpr,
                    point[k].Selection - point[reference].Selection,
                    Percentile(dp[k], 0.025) ?? 0,
                    Percentile(dp[k], 0.975) ?? 0,
                    eoDiff,
                    eoDiff is null ? null : Percentile(eo[k], 0.025),
                    eoDiff is null ? null : Percentile(eo[k], 0.975),
                    sizes[k] < SmallGroup
                )
            );
        }
        return new BiasAttribute(attribute.Name, attribute.Definition, names[reference], groups);
    }

    private static (int Size, double Selection, double? Tpr, double? Fpr)[] Rates(
        int[] group,
        bool[] flagged,
        IReadOnlyList<int> labels,
        int groups,
        IEnumerable<int> rows
    )
    {
        var size = new int[groups];
        var selected = new int[groups];
        var positives = new int[groups];
        var truePositives = new int[groups];
        var falsePositives = new int[groups];
        foreach (var i in rows)
        {
            var k = group[i];
            size[k]++;
            if (flagged[i])
                selected[k]++;
            if (labels[i] == 1)
            {
                positives[k]++;
                if (flagged[i])
                    truePositives[k]++;
            }
            else if (flagged[i])
                falsePositives[k]++;
        }
        return Enumerable
            .Range(0, groups)
            .Select(k =>
                (
                    size[k],
                    size[k] > 0 ? (double)selected[k] / size[k] : 0,
                    positives[k] > 0 ? (double)truePositives[k] / positives[k] : (double?)null,
                    size[k] - positives[k] > 0 ? (double)falsePositives[k] / (size[k] - positives[k]) : (double?)null
                )
            )
            .ToArray();
    }

    /// <summary>The q-quantile with linear interpolation (numpy's default), or null for no values.</summary>
    private static double? Percentile(List<double> values, double q) =>
        values.Count == 0
            ? null
            : MathNet.Numerics.Statistics.Statistics.QuantileCustom(values, q, MathNet.Numerics.Statistics.QuantileDefinition.R7);
}
