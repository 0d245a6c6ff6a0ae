namespace Governance.Explainability.Trees;

/// <summary>
/// Exact path-dependent TreeSHAP: Lundberg, Erion and Lee, "Consistent Individualized Feature Attribution for Tree
/// Ensembles" (2018), Algorithm 2, in O(T·L·D²) per row, following the reference implementation's path bookkeeping
/// (EXTEND, UNWIND and the unwound path sum). Values are in margin space: for each row,
/// <c>Σ φ_i + <see cref="TreeEnsemble.ExpectedMargin"/> = <see cref="TreeEnsemble.Margin"/></c> up to rounding. The
/// conditional expectation of a subtree given the known features follows the split of known features and weighs the
/// children of an unknown one by their cover (<see cref="DecisionTree.CoverFraction"/>); a missing value takes the split's
/// default direction, exactly as the model scores it.
/// </summary>
public static class TreeShap
{
    private struct PathElement
    {
        public int Feature;
        public double ZeroFraction;
        public double OneFraction;
        public double Weight;
    }

    /// <summary>
    /// SHAP values of one row: an array of <see cref="TreeEnsemble.FeatureCount"/> contributions in margin units.
    /// Trees are visited in order and each tree's contributions added in a fixed order, so the result is bit-for-bit
    /// reproducible on one build and platform.
    /// </summary>
    /// <exception cref="ArgumentException">When the row's length is not the ensemble's feature count.</exception>
    public static double[] Explain(TreeEnsemble ensemble, ReadOnlySpan<double> x)
    {
        if (x.Length != ensemble.FeatureCount)
            throw new ArgumentException($"The row has {x.Length} values; the model has {ensemble.FeatureCount} features.", nameof(x));
        var phi = new double[ensemble.FeatureCount];
        var maxDepth = 0;
        foreach (var tree in ensemble.Trees)
            maxDepth = Math.Max(maxDepth, tree.MaxDepth);
        // Each recursion level copies its parent's path (at most depth + 2 elements) after it: triangular storage.
        var path = new PathElement[(maxDepth + 2) * (maxDepth + 3) / 2];
        foreach (var tree in ensemble.Trees)
            Recurse(tree, x, phi, path, 0, 0, 0, 1, 1, -1);
        return phi;
    }

    /// <summary>
    /// SHAP values of many rows (n × features), rows computed in parallel, each into its own array, so the values do not
    /// depend on the degree of parallelism. <paramref name="maxThreads"/> of 1 runs on the calling thread.
    /// </summary>
    public static double[][] ExplainAll(TreeEnsemble ensemble, IReadOnlyList<double[]> rows, int maxThreads = -1)
    {
        var result = new double[rows.Count][];
        if (maxThreads == 1)
        {
            for (var i = 0; i < rows.Count; i++)
                result[i] = Explain(ensemble, rows[i]);
            return result;
        }
        Parallel.For(
            0,
            rows.Count,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            i => result[i] = Explain(ensemble, rows[i])
        );
        return result;
    }

    private static void Recurse(
        DecisionTree tree,
        ReadOnlySpan<double> x,
        double[] phi,
        PathElement[] path,
        int parentOffset,
        int node,
        int depth,
        double parentZeroFraction,
        double parentOneFraction,
        int parentFeature
    )
    {
        // This level's path lives right after the parent's (depth + 1 elements), as in the reference implementation.
        var offset = parentOffset + depth;
        if (depth > 0)
            Array.Copy(path, parentOffset, path, offset, depth);
        var p = path.AsSpan(offset, depth + 1);
        Extend(p, depth, parentZeroFraction, parentOneFraction, parentFeature);

        if (tree.IsLeaf(node))
        {
            for (var i = 1; i <= depth; i++)
            {
                var w = UnwoundPathSum(p, depth, i);
                phi[p[i].Feature] += w * (p[i].OneFraction - p[i].ZeroFraction) * tree.Value[node];
            }
            return;
        }

        var hot = tree.Next(node, x);
        var cold = hot == tree.Left[node] ? tree.Right[node] : tree.Left[node];
        var hotZeroFraction = tree.CoverFraction(node, hot);
        var coldZeroFraction = tree.CoverFraction(node, cold);
        var incomingZeroFraction = 1.0;
        var incomingOneFraction = 1.0;

        // A feature met again on the path is undone first and re-entered with both conditions combined.
        var feature = tree.Feature[node];
        var k = 1;
        while (k <= depth && p[k].Feature != feature)
            k++;
        if (k <= depth)
        {
            incomingZeroFraction = p[k].ZeroFraction;
            incomingOneFraction = p[k].OneFraction;
            Unwind(p, depth, k);
            depth--;
        }

        // A child entered with both fractions zero (no data reached it, and the feature is known to send the row elsewhere)
        // has zero weight under every coalition: its contribution is exactly zero, and entering it would divide zero by
        // zero in the unwound sums.
        var hotZero = hotZeroFraction * incomingZeroFraction;
        if (hotZero > 0 || incomingOneFraction > 0)
            Recurse(tree, x, phi, path, offset, hot, depth + 1, hotZero, incomingOneFraction, feature);
        var coldZero = coldZeroFraction * incomingZeroFraction;
        if (coldZero > 0)
            Recurse(tree, x, phi, path, offset, cold, depth + 1, coldZero, 0, feature);
    }

    private static void Extend(Span<PathElement> p, int depth, double zeroFraction, double oneFraction, int feature)
    {
        p[depth] = new PathElement
        {
            Feature = feature,
            ZeroFraction = zeroFraction,
            OneFraction = oneFraction,
            Weight = depth == 0 ? 1 : 0,
        };
        for (var i = depth - 1; i >= 0; i--)
        {
            p[i + 1].Weight += oneFraction * p[i].Weight * (i + 1) / (depth + 1);
            p[i].Weight = zeroFraction * p[i].Weight * (depth - i) / (depth + 1);
        }
    }

    private static void Unwind(Span<PathElement> p, int depth, int index)
    {
        var oneFraction = p[index].OneFraction;
        var zeroFraction = p[index].ZeroFraction;
        var next = p[depth].Weight;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (oneFraction != 0)
            {
                var tmp = p[i].Weight;
                p[i].Weight = next * (depth + 1) / ((i + 1) * oneFraction);
                next = tmp - p[i].Weight * zeroFraction * (depth - i) / (depth + 1);
            }
            else
            {
                p[i].Weight = p[i].Weight * (depth + 1) / (zeroFraction * (depth - i));
            }
        }
        for (var i = index; i < depth; i++)
        {
            p[i].Feature = p[i + 1].Feature;
            p[i].ZeroFraction = p[i + 1].ZeroFraction;
            p[i].OneFraction = p[i + 1].OneFraction;
        }
    }

    private static double UnwoundPathSum(ReadOnlySpan<PathElement> p, int depth, int index)
    {
        var oneFraction = p[index].OneFraction;
        var zeroFraction = p[index].ZeroFraction;
        var next = p[depth].Weight;
        var total = 0.0;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (oneFraction != 0)
            {
                var tmp = next * (depth + 1) / ((i + 1) * oneFraction);
                total += tmp;
                next = p[i].Weight - tmp * zeroFraction * ((double)(depth - i) / (depth + 1));
            }
            else
            {
                total += p[i].Weight / zeroFraction / ((double)(depth - i) / (depth + 1));
            }
        }
        return total;
    }
}
