namespace Governance.Explainability.Trees;

/// <summary>How a split compares a feature value with its threshold to send a row to the left child.</summary>
public enum SplitComparison
{
    /// <summary>XGBoost: left when <c>x &lt; threshold</c>.</summary>
    LessThan,

    /// <summary>ML.NET FastTree and LightGbm: left when <c>x &lt;= threshold</c>.</summary>
    LessThanOrEqual,
}

/// <summary>The function that turns the ensemble's margin into the model's output.</summary>
public enum OutputLink
{
    /// <summary>The margin is the output (regression).</summary>
    Identity,

    /// <summary>The output is <c>1 / (1 + exp(-margin))</c>: the margin is the log-odds of the positive class.</summary>
    Logistic,
}

/// <summary>
/// One regression tree in the array form both readers produce. Node 0 is the root; a node is a leaf when
/// <see cref="Left"/> is negative. For internal nodes, <see cref="Feature"/> is a column index of the feature vector and
/// <see cref="Threshold"/> is compared with the tree's <see cref="SplitComparison"/>; a missing value (NaN) goes left
/// when <see cref="DefaultLeft"/> is set. <see cref="Value"/> holds leaf values in margin units (weights already applied).
/// <see cref="Cover"/> is the weight of training (or background) data that reached each node: XGBoost's sum of hessians,
/// or the count of background rows routed through the tree (<see cref="TreeEnsemble.WithCoverFrom"/>).
/// </summary>
public sealed class DecisionTree
{
    public DecisionTree(
        SplitComparison comparison,
        int[] left,
        int[] right,
        int[] feature,
        double[] threshold,
        bool[] defaultLeft,
        double[] value,
        double[] cover
    )
    {
        var n = left.Length;
        if (n == 0 || right.Length != n || feature.Length != n || threshold.Length != n || defaultLeft.Length != n)
            throw new InvalidDataException("A tree needs at least one node and arrays of one length per node.");
        if (value.Length != n || cover.Length != n)
            throw new InvalidDataException("A tree needs one leaf value and one cover per node.");
        for (var i = 0; i < n; i++)
        {
            if (left[i] < 0)
                continue;
            // Children after their parent: no cycles, and the recursive walks terminate.
            if (left[i] <= i || right[i] <= i || left[i] >= n || right[i] >= n)
                throw new InvalidDataException($"Node {i} has children {left[i]} and {right[i]}: not a tree in array order.");
            if (feature[i] < 0)
                throw new InvalidDataException($"Node {i} splits on feature {feature[i]}.");
        }
        Comparison = comparison;
        Left = left;
        Right = right;
        Feature = feature;
        Threshold = threshold;
        DefaultLeft = defaultLeft;
        Value = value;
        Cover = cover;
        MaxDepth = Depth(0);
    }

    public SplitComparison Comparison { get; }
    public int[] Left { get; }
    public int[] Right { get; }
    public int[] Feature { get; }
    public double[] Threshold { get; }
    public bool[] DefaultLeft { get; }
    public double[] Value { get; }
    public double[] Cover { get; }

    /// <summary>The number of splits on the longest root-to-leaf path.</summary>
    public int MaxDepth { get; }

    public int NodeCount => Left.Length;

    public bool IsLeaf(int node) => Left[node] < 0;

    /// <summary>The child row <paramref name="x"/> goes to from internal node <paramref name="node"/>.</summary>
    public int Next(int node, ReadOnlySpan<double> x)
    {
        var v = x[Feature[node]];
        if (double.IsNaN(v))
            return DefaultLeft[node] ? Left[node] : Right[node];
        var goLeft = Comparison == SplitComparison.LessThan ? v < Threshold[node] : v <= Threshold[node];
        return goLeft ? Left[node] : Right[node];
    }

    /// <summary>The leaf value row <paramref name="x"/> reaches.</summary>
    public double Predict(ReadOnlySpan<double> x)
    {
        var node = 0;
        while (!IsLeaf(node))
            node = Next(node, x);
        return Value[node];
    }

    /// <summary>
    /// The share of <paramref name="node"/>'s cover that went to <paramref name="child"/>. A node no data reached
    /// (cover 0, possible when cover is recomputed from background data) splits it evenly, so that every path-dependent
    /// quantity stays defined; TreeSHAP, the expected value and the brute-force reference all use this one rule.
    /// </summary>
    public double CoverFraction(int node, int child) => Cover[node] > 0 ? Cover[child] / Cover[node] : 0.5;

    /// <summary>
    /// The cover-weighted mean leaf value below <paramref name="node"/>: the tree's expected output when no feature is known.
    /// </summary>
    public double MeanValue(int node = 0) =>
        IsLeaf(node)
            ? Value[node]
            : CoverFraction(node, Left[node]) * MeanValue(Left[node]) + CoverFraction(node, Right[node]) * MeanValue(Right[node]);

    private int Depth(int node) => IsLeaf(node) ? 0 : 1 + Math.Max(Depth(Left[node]), Depth(Right[node]));
}

/// <summary>
/// A tree ensemble whose margin is <c>BaseMargin + Σ tree outputs</c>, summed in tree order in double precision, with the
/// link that maps the margin to the model's output and the names of the feature vector's columns.
/// </summary>
public sealed class TreeEnsemble
{
    /// <param name="plattSlope">With <paramref name="plattOffset"/>, the logistic link's calibration: the probability is
    /// <c>1 / (1 + exp(slope·margin + offset))</c> (ML.NET's Platt calibrator); −1 and 0 for XGBoost.</param>
    public TreeEnsemble(
        string format,
        IReadOnlyList<string> featureNames,
        double baseMargin,
        OutputLink link,
        IReadOnlyList<DecisionTree> trees,
        double plattSlope = -1,
        double plattOffset = 0
    )
    {
        foreach (var tree in trees)
            for (var i = 0; i < tree.NodeCount; i++)
                if (!tree.IsLeaf(i) && tree.Feature[i] >= featureNames.Count)
                    throw new InvalidDataException(
                        $"A split uses feature {tree.Feature[i]} but the model names {featureNames.Count} features."
                    );
        Format = format;
        FeatureNames = featureNames;
        BaseMargin = baseMargin;
        Link = link;
        Trees = trees;
        PlattSlope = plattSlope;
        PlattOffset = plattOffset;
    }

    /// <summary>Where the ensemble was read from, e.g. <c>xgboost-json</c> or <c>mlnet-fasttree</c>.</summary>
    public string Format { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    public double BaseMargin { get; }
    public OutputLink Link { get; }
    public IReadOnlyList<DecisionTree> Trees { get; }
    public double PlattSlope { get; }
    public double PlattOffset { get; }

    public int FeatureCount => FeatureNames.Count;

    /// <summary>The margin (log-odds for a logistic link) of one row of <see cref="FeatureCount"/> values; NaN is missing.</summary>
    public double Margin(ReadOnlySpan<double> x)
    {
        var sum = BaseMargin;
        foreach (var tree in Trees)
            sum += tree.Predict(x);
        return sum;
    }

    /// <summary>The model's output for a margin: the probability of the positive class for a logistic link.</summary>
    public double Output(double margin) => Link == OutputLink.Logistic ? 1 / (1 + Math.Exp(PlattSlope * margin + PlattOffset)) : margin;

    /// <summary>The expected margin under the trees' covers: <c>BaseMargin + Σ MeanValue</c> (TreeSHAP's φ₀).</summary>
    public double ExpectedMargin()
    {
        var sum = BaseMargin;
        foreach (var tree in Trees)
            sum += tree.MeanValue();
        return sum;
    }

    /// <summary>
    /// The same ensemble with each node's cover replaced by the number of <paramref name="background"/> rows that reach it
    /// (for formats that do not store cover, such as ML.NET's trees). Rows are routed with the trees' own comparison and
    /// missing-value direction.
    /// </summary>
    /// <exception cref="ArgumentException">When there are no background rows.</exception>
    public TreeEnsemble WithCoverFrom(IReadOnlyList<double[]> background)
    {
        if (background.Count == 0)
            throw new ArgumentException("Cover needs at least one background row.", nameof(background));
        var trees = new List<DecisionTree>(Trees.Count);
        foreach (var tree in Trees)
        {
            var cover = new double[tree.NodeCount];
            foreach (var row in background)
            {
                var node = 0;
                cover[0]++;
                while (!tree.IsLeaf(node))
                {
                    node = tree.Next(node, row);
                    cover[node]++;
                }
            }
            trees.Add(
                new DecisionTree(tree.Comparison, tree.Left, tree.Right, tree.Feature, tree.Threshold, tree.DefaultLeft, tree.Value, cover)
            );
        }
        return new TreeEnsemble(Format, FeatureNames, BaseMargin, Link, trees, PlattSlope, PlattOffset);
    }
}
