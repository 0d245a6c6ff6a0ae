using Governance.Explainability.Trees;

namespace Governance.Explainability.Tests;

/// <summary>
/// TreeSHAP against the definition: exact Shapley values of the path-dependent conditional expectation, computed by
/// enumerating every coalition (2^M) on small random trees and ensembles.
/// </summary>
public class TreeShapTests
{
    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(2, 1, 10)]
    [InlineData(3, 5, 6)]
    [InlineData(4, 10, 10)]
    [InlineData(5, 3, 2)]
    public void Equals_brute_force_Shapley_values_of_the_path_dependent_expectation(int seed, int trees, int features)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 20; trial++)
        {
            var ensemble = RandomEnsemble(random, trees, features);
            var x = RandomRow(random, features);
            var phi = TreeShap.Explain(ensemble, x);
            var expected = BruteForce(ensemble, x);
            for (var i = 0; i < features; i++)
                Assert.True(Math.Abs(phi[i] - expected[i]) <= 1e-10, $"trial {trial}, feature {i}: {phi[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Values_add_up_to_the_margin_less_the_expected_value()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 50; trial++)
        {
            var ensemble = RandomEnsemble(random, 20, 10);
            var x = RandomRow(random, 10);
            var residual = TreeShap.Explain(ensemble, x).Sum() + ensemble.ExpectedMargin() - ensemble.Margin(x);
            Assert.True(Math.Abs(residual) <= 1e-9, $"trial {trial}: residual {residual}");
        }
    }

    [Fact]
    public void Parallel_rows_are_bit_for_bit_the_single_threaded_ones()
    {
        var random = new Random(5);
        var ensemble = RandomEnsemble(random, 30, 8);
        var rows = Enumerable.Range(0, 200).Select(_ => RandomRow(random, 8)).ToList();
        var one = TreeShap.ExplainAll(ensemble, rows, maxThreads: 1);
        var many = TreeShap.ExplainAll(ensemble, rows, maxThreads: 4);
        for (var r = 0; r < rows.Count; r++)
            Assert.Equal(one[r], many[r]);
    }

    [Fact]
    public void A_stump_splits_the_difference_by_cover()
    {
        // One split on x0 < 0.5: left leaf 1 (cover 3), right leaf 5 (cover 1). E = (3·1 + 1·5)/4 = 2.
        var tree = new DecisionTree(
            SplitComparison.LessThan,
            [1, -1, -1],
            [2, -1, -1],
            [0, -1, -1],
            [0.5, 0, 0],
            [true, false, false],
            [0, 1, 5],
            [4, 3, 1]
        );
        var ensemble = new TreeEnsemble("test", ["a", "b"], 0.25, OutputLink.Identity, [tree]);
        Assert.Equal(2.25, ensemble.ExpectedMargin());
        Assert.Equal([3.0, 0.0], TreeShap.Explain(ensemble, [0.7, 1]));
        Assert.Equal([-1.0, 0.0], TreeShap.Explain(ensemble, [0.5 - 1e-9, 1]));
        // Missing goes the default way (left here); at the threshold XGBoost's x < t sends it right.
        Assert.Equal([-1.0, 0.0], TreeShap.Explain(ensemble, [double.NaN, 1]));
        Assert.Equal([3.0, 0.0], TreeShap.Explain(ensemble, [0.5, 1]));
    }

    internal static TreeEnsemble RandomEnsemble(Random random, int trees, int features)
    {
        var list = new List<DecisionTree>();
        for (var t = 0; t < trees; t++)
            list.Add(RandomTree(random, features, random.Next(0, 6)));
        var names = Enumerable.Range(0, features).Select(i => $"x{i}").ToArray();
        return new TreeEnsemble("test", names, random.NextDouble() - 0.5, OutputLink.Logistic, list);
    }

    internal static double[] RandomRow(Random random, int features) =>
        Enumerable.Range(0, features).Select(_ => random.NextDouble() < 0.15 ? double.NaN : Math.Round(random.NextDouble(), 1)).ToArray();

    private static DecisionTree RandomTree(Random random, int features, int maxDepth)
    {
        var left = new List<int>();
        var right = new List<int>();
        var feature = new List<int>();
        var threshold = new List<double>();
        var defaultLeft = new List<bool>();
        var value = new List<double>();
        var cover = new List<double>();
        var comparison = random.Next(2) == 0 ? SplitComparison.LessThan : SplitComparison.LessThanOrEqual;

        // Breadth-first so children come after parents; covers split the parent's at random, sometimes all to one side.
        var queue = new Queue<(int Node, int Depth)>();
        int Add(double c)
        {
            left.Add(-1);
            right.Add(-1);
            feature.Add(-1);
            threshold.Add(0);
            defaultLeft.Add(false);
            value.Add(Math.Round(random.NextDouble() * 4 - 2, 3));
            cover.Add(c);
            return left.Count - 1;
        }
        queue.Enqueue((Add(100), 0));
        while (queue.Count > 0)
        {
            var (node, depth) = queue.Dequeue();
            if (depth >= maxDepth || random.NextDouble() < 0.2)
                continue;
            var share = random.NextDouble() < 0.1 ? 0 : Math.Round(random.NextDouble(), 2);
            var l = Add(cover[node] * share);
            var r = Add(cover[node] - cover[l]);
            left[node] = l;
            right[node] = r;
            // Few features, so that paths repeat them.
            feature[node] = random.Next(features);
            threshold[node] = Math.Round(random.NextDouble(), 1);
            defaultLeft[node] = random.Next(2) == 0;
            queue.Enqueue((l, depth + 1));
            queue.Enqueue((r, depth + 1));
        }
        return new DecisionTree(
            comparison,
            left.ToArray(),
            right.ToArray(),
            feature.ToArray(),
            threshold.ToArray(),
            defaultLeft.ToArray(),
            value.ToArray(),
            cover.ToArray()
        );
    }

    /// <summary>E[f(x) | x_S]: known features follow the row, unknown ones weigh both children by cover.</summary>
    private static double Conditional(DecisionTree tree, int node, double[] x, bool[] known) =>
        tree.IsLeaf(node) ? tree.Value[node]
        : known[tree.Feature[node]] ? Conditional(tree, tree.Next(node, x), x, known)
        : tree.CoverFraction(node, tree.Left[node]) * Conditional(tree, tree.Left[node], x, known)
            + tree.CoverFraction(node, tree.Right[node]) * Conditional(tree, tree.Right[node], x, known);

    private static double[] BruteForce(TreeEnsemble ensemble, double[] x)
    {
        var m = ensemble.FeatureCount;
        var value = new double[1 << m];
        for (var s = 0; s < 1 << m; s++)
        {
            var known = Enumerable.Range(0, m).Select(i => (s & (1 << i)) != 0).ToArray();
            value[s] = ensemble.Trees.Sum(t => Conditional(t, 0, x, known));
        }
        var factorial = new double[m + 1];
        factorial[0] = 1;
        for (var i = 1; i <= m; i++)
            factorial[i] = factorial[i - 1] * i;
        var phi = new double[m];
        for (var i = 0; i < m; i++)
        for (var s = 0; s < 1 << m; s++)
        {
            if ((s & (1 << i)) != 0)
                continue;
            var size = System.Numerics.BitOperations.PopCount((uint)s);
            phi[i] += factorial[size] * factorial[m - size - 1] / factorial[m] * (value[s | (1 << i)] - value[s]);
        }
        return phi;
    }
}
