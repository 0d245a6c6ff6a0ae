using Governance.Explainability.Validation;

namespace Governance.Explainability.Tests;

public class BiasTests
{
    private static readonly string[] Header = ["Age", "F1", "F2", "Group"];

    private static int Index(string name) =>
        Array.IndexOf(Header, name) is var i and >= 0 ? i : throw new ArgumentException($"no column \"{name}\"");

    [Fact]
    public void Groups_from_one_hot_columns_selection_rates_and_true_positive_rates_by_hand()
    {
        // female: rows 0-3 (F1 or F2 = 1); other: rows 4-9. Flagged (p ≥ 0.5): rows 0, 1, 4.
        string[][] cells =
        [
            ["20", "1", "0", "a"],
            ["30", "0", "1", "a"],
            ["40", "1", "0", "a"],
            ["70", "0", "1", "a"],
            ["22", "0", "0", "b"],
            ["30", "0", "0", "b"],
            ["35", "0", "0", "b"],
            ["60", "0", "0", "b"],
            ["61", "0", "0", "b"],
            ["59", "0", "0", "b"],
        ];
        double[] p = [0.9, 0.6, 0.1, 0.2, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1];
        int[] y = [1, 0, 1, 0, 1, 1, 0, 0, 0, 0];
        var sex = BiasExamination.Examine(ProtectedAttribute.Parse("sex=female:F1,F2"), cells, Index, p, y, 0.5, 7);
        Assert.Equal("other", sex.ReferenceGroup);
        var female = sex.Groups.Single(g => g.Group == "female");
        var other = sex.Groups.Single(g => g.Group == "other");
        Assert.Equal(4, female.Size);
        Assert.Equal(0.5, female.SelectionRate);
        Assert.Equal(1 / 6.0, other.SelectionRate, 15);
        Assert.Equal(0.5, female.TruePositiveRate);
        Assert.Equal(0.5, other.TruePositiveRate);
        Assert.Equal(0.5, female.FalsePositiveRate);
        Assert.Equal(0.0, other.FalsePositiveRate);
        Assert.Equal(0.5 - 1 / 6.0, female.DemographicParityDifference, 15);
        Assert.Equal(0.0, female.EqualOpportunityDifference);
        Assert.Equal(0.0, other.DemographicParityDifference);
        Assert.True(female.SmallGroup);
        Assert.True(female.DemographicParityLow <= female.DemographicParityDifference);
        Assert.True(female.DemographicParityHigh >= female.DemographicParityDifference);

        var age = BiasExamination.Examine(ProtectedAttribute.Parse("Age=<25,25-59,>=60"), cells, Index, p, y, 0.5, 7);
        Assert.Equal(["25-59", "<25", ">=60"], age.Groups.Select(g => g.Group));
        Assert.Equal([5, 2, 3], age.Groups.Select(g => g.Size));

        var byColumn = BiasExamination.Examine(ProtectedAttribute.Parse("Group"), cells, Index, p, y, 0.5, 7);
        Assert.Equal(["a", "b"], byColumn.Groups.Select(g => g.Group));
    }

    [Fact]
    public void The_bootstrap_is_seeded()
    {
        var random = new Random(1);
        var cells = Enumerable.Range(0, 300).Select(i => new[] { (18 + i % 60).ToString(), (i % 3 == 0 ? "1" : "0"), "0", "x" }).ToArray();
        var p = cells.Select(_ => random.NextDouble()).ToArray();
        var y = p.Select(v => random.NextDouble() < v ? 1 : 0).ToArray();
        var a = BiasExamination.Examine(ProtectedAttribute.Parse("sex=female:F1,F2"), cells, Index, p, y, 0.5, 11);
        var b = BiasExamination.Examine(ProtectedAttribute.Parse("sex=female:F1,F2"), cells, Index, p, y, 0.5, 11);
        Assert.Equal(a.Groups, b.Groups);
        Assert.False(a.Groups.Single(g => g.Group == "female").SmallGroup);
    }

    [Theory]
    [InlineData("age=")]
    [InlineData("Age=<x")]
    [InlineData("sex=female")]
    public void Malformed_attributes_are_refused_naming_the_part(string text)
    {
        var error = Record.Exception(() =>
            BiasExamination.Examine(
                ProtectedAttribute.Parse(text),
                [
                    ["20", "1", "0", "a"],
                ],
                Index,
                [0.5],
                [1],
                0.5,
                1
            )
        );
        Assert.True(error is ArgumentException, $"{text}: {error}");
    }
}
