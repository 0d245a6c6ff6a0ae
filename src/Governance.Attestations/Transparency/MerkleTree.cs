namespace Governance.Attestations.Transparency;

/// <summary>
/// The right edge of an append-only RFC 6962 tree: the hashes of the perfect subtrees that make up its leaves so far
/// (<see cref="Rfc6962.Decompose"/> of <c>[0, size)</c>), enough to append and to compute the root without the earlier leaves.
/// A log's sealer keeps one to learn which nodes each new leaf completes; a verifier keeps one to recompute roots while it
/// streams a million events.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<byte[]> _subtrees = [];

    /// <summary>How many leaves the tree holds.</summary>
    public long Size { get; private set; }

    /// <summary>The frontier of the tree of <paramref name="size"/> leaves, from its perfect subtrees' hashes.</summary>
    public static MerkleFrontier Restore(long size, Func<MerkleNode, byte[]> node)
    {
        var frontier = new MerkleFrontier { Size = size };
        if (size > 0)
            frontier._subtrees.AddRange(Rfc6962.Decompose(new LeafRange(0, size)).Select(node));
        return frontier;
    }

    /// <summary>Appends a leaf by its hash (<see cref="Rfc6962.LeafHash"/>) and returns the nodes it completes: the leaf itself
    /// (level 0), then each perfect subtree it closes, up to the largest.</summary>
    /// <exception cref="ArgumentException">The hash is not 32 bytes.</exception>
    public IReadOnlyList<(MerkleNode Node, byte[] Hash)> Append(byte[] leafHash)
    {
        if (leafHash.Length != Rfc6962.HashSize)
            throw new ArgumentException($"a leaf hash has {Rfc6962.HashSize} bytes, not {leafHash.Length}", nameof(leafHash));
        var completed = new List<(MerkleNode, byte[])> { (new MerkleNode(0, Size), leafHash) };
        var (level, index, hash) = (0, Size, leafHash);
        // Each trailing 1 bit of the old size is a perfect subtree of that level waiting for its right sibling.
        while ((index & 1) == 1)
        {
            hash = Rfc6962.NodeHash(_subtrees[^1], hash);
            _subtrees.RemoveAt(_subtrees.Count - 1);
            (level, index) = (level + 1, index >> 1);
            completed.Add((new MerkleNode(level, index), hash));
        }
        _subtrees.Add(hash);
        Size++;
        return completed;
    }

    /// <summary>The tree's root (RFC 9162 §2.1.1 <c>MTH</c>); <see cref="Rfc6962.EmptyRoot"/> when empty.</summary>
    public byte[] Root()
    {
        if (_subtrees.Count == 0)
            return Rfc6962.EmptyRoot();
        var hash = _subtrees[^1];
        for (var i = _subtrees.Count - 2; i >= 0; i--)
            hash = Rfc6962.NodeHash(_subtrees[i], hash);
        return hash;
    }
}

/// <summary>
/// An RFC 6962 tree held in memory with every perfect subtree's hash, for proofs over any of its past sizes: the verifier's and
/// the tests' tree. Roughly two hashes per leaf.
/// </summary>
public sealed class MerkleTree
{
    private readonly MerkleFrontier _frontier = new();
    private readonly List<List<byte[]>> _levels = [];

    /// <summary>How many leaves the tree holds.</summary>
    public long Size => _frontier.Size;

    /// <summary>Appends a leaf by its hash (<see cref="Rfc6962.LeafHash"/>).</summary>
    public void Append(byte[] leafHash)
    {
        foreach (var (node, hash) in _frontier.Append(leafHash))
        {
            if (_levels.Count == node.Level)
                _levels.Add([]);
            _levels[node.Level].Add(hash);
        }
    }

    /// <summary>The hash of a perfect subtree the tree holds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tree does not hold that subtree yet.</exception>
    public byte[] Node(MerkleNode node) =>
        node.Level < _levels.Count && node.Index < _levels[node.Level].Count
            ? _levels[node.Level][(int)node.Index]
            : throw new ArgumentOutOfRangeException(nameof(node), $"the tree of {Size} leaves holds no node {node}");

    /// <summary>The root of the tree's first <paramref name="size"/> leaves.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is above <see cref="Size"/>.</exception>
    public byte[] Root(long size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Size);
        return Rfc6962.RangeHash(new LeafRange(0, size), Node);
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
    public IReadOnlyList<byte[]> InclusionProof(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Size);
        return Rfc6962.InclusionRanges(index, size).Select(r => Rfc6962.RangeHash(r, Node)).ToArray();
    }

    /// <summary>The consistency proof from the first <paramref name="oldSize"/> leaves to the first <paramref name="newSize"/>.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, Size);
        return Rfc6962.ConsistencyRanges(oldSize, newSize).Select(r => Rfc6962.RangeHash(r, Node)).ToArray();
    }
}
