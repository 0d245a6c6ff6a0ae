using System.Numerics;
using System.Security.Cryptography;

namespace Governance.Attestations.Transparency;

/// <summary>A perfect subtree of a Merkle tree: the <c>2^Level</c> leaves from <c>Index · 2^Level</c> (inclusive) to
/// <c>(Index + 1) · 2^Level</c> (exclusive). Level 0 is a leaf. Once the tree holds those leaves the hash never changes, which
/// is why a log stores exactly these nodes.</summary>
public readonly record struct MerkleNode(int Level, long Index)
{
    /// <summary>The first leaf the subtree covers.</summary>
    public long Start => Index << Level;

    /// <summary>One past the last leaf the subtree covers.</summary>
    public long End => (Index + 1) << Level;
}

/// <summary>A range of leaves <c>[Start, End)</c> whose Merkle tree hash (RFC 9162 §2.1.1 <c>MTH(D[Start:End])</c>) is one
/// element of a proof.</summary>
public readonly record struct LeafRange(long Start, long End);

/// <summary>
/// The Merkle tree of RFC 6962 §2.1, as RFC 9162 §2.1 restates it: hashing, inclusion and consistency proofs and their
/// verification, over SHA-256. Pure: the nodes a proof needs are named first (<see cref="NodesFor"/>) so that a store can
/// fetch them in one read, then folded with <see cref="RangeHash"/>. Every proof names O(log n) ranges and each range O(log n)
/// stored nodes.
/// </summary>
public static class Rfc6962
{
    /// <summary>The size in bytes of every hash (SHA-256).</summary>
    public const int HashSize = 32;

    /// <summary>The byte a leaf's input is prefixed with before hashing (RFC 9162 §2.1.1), so no leaf hashes as a node.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    /// <summary>A leaf's hash: SHA-256(0x00 ‖ <paramref name="entry"/>) (RFC 9162 §2.1.1).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([LeafPrefix]);
        sha.AppendData(entry);
        return sha.GetHashAndReset();
    }

    /// <summary>An interior node's hash: SHA-256(0x01 ‖ <paramref name="left"/> ‖ <paramref name="right"/>) (RFC 9162 §2.1.1).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * HashSize];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }

    /// <summary>The ranges whose hashes form the inclusion proof of leaf <paramref name="index"/> in the tree of
    /// <paramref name="size"/> leaves (RFC 9162 §2.1.3.1 <c>PATH</c>), from the leaf's sibling up to the root's child.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <paramref name="size"/>.</exception>
    public static IReadOnlyList<LeafRange> InclusionRanges(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var path = new List<LeafRange>();
        Path(index, 0, size, path);
        return path;
    }

    private static void Path(long m, long start, long end, List<LeafRange> path)
    {
        if (end - start <= 1)
            return;
        var k = SplitPoint(end - start);
        if (m < start + k)
        {
            Path(m, start, start + k, path);
            path.Add(new LeafRange(start + k, end));
        }
        else
        {
            Path(m, start + k, end, path);
            path.Add(new LeafRange(start, start + k));
        }
    }

    /// <summary>The ranges whose hashes form the consistency proof from the tree of <paramref name="oldSize"/> leaves to the
    /// tree of <paramref name="newSize"/> (RFC 9162 §2.1.4.1 <c>PROOF</c>/<c>SUBPROOF</c>); empty when the old tree is empty or
    /// the sizes are equal.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="oldSize"/> is negative or above
    /// <paramref name="newSize"/>.</exception>
    public static IReadOnlyList<LeafRange> ConsistencyRanges(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        var proof = new List<LeafRange>();
        if (oldSize > 0)
            SubProof(oldSize, 0, newSize, true, proof);
        return proof;
    }

    private static void SubProof(long m, long start, long end, bool whole, List<LeafRange> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!whole)
                proof.Add(new LeafRange(start, end));
            return;
        }
        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, whole, proof);
            proof.Add(new LeafRange(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(new LeafRange(start, start + k));
        }
    }

    /// <summary>The perfect subtrees that make up <paramref name="range"/>, left to right: the binary digits of its length, largest
    /// first. Every range a proof or a root names starts at a multiple of the smallest power of two not below its length, which is
    /// what makes the right fold of these subtrees equal to <c>MTH</c>.</summary>
    /// <exception cref="ArgumentException">The range is empty or not aligned that way.</exception>
    public static IReadOnlyList<MerkleNode> Decompose(LeafRange range)
    {
        var length = range.End - range.Start;
        if (range.Start < 0 || length <= 0)
            throw new ArgumentException($"[{range.Start}, {range.End}) is not a non-empty range of leaves", nameof(range));
        if ((range.Start & ((long)BitOperations.RoundUpToPowerOf2((ulong)length) - 1)) != 0)
            throw new ArgumentException($"[{range.Start}, {range.End}) is not a subtree of an RFC 6962 tree", nameof(range));
        var nodes = new List<MerkleNode>();
        var at = range.Start;
        for (var level = 62; level >= 0; level--)
            if ((length & (1L << level)) != 0)
            {
                nodes.Add(new MerkleNode(level, at >> level));
                at += 1L << level;
            }
        return nodes;
    }

    /// <summary>Every stored node needed to hash all <paramref name="ranges"/>, without repeats.</summary>
    public static IReadOnlyList<MerkleNode> NodesFor(IEnumerable<LeafRange> ranges) => ranges.SelectMany(Decompose).Distinct().ToArray();

    /// <summary><c>MTH</c> of <paramref name="range"/> from its perfect subtrees' hashes (<paramref name="node"/>); the empty range
    /// hashes to <see cref="EmptyRoot"/>.</summary>
    /// <exception cref="ArgumentException">The range is not aligned (see <see cref="Decompose"/>).</exception>
    public static byte[] RangeHash(LeafRange range, Func<MerkleNode, byte[]> node)
    {
        if (range.End == range.Start)
            return EmptyRoot();
        var parts = Decompose(range);
        var hash = node(parts[^1]);
        for (var i = parts.Count - 2; i >= 0; i--)
            hash = NodeHash(node(parts[i]), hash);
        return hash;
    }

    /// <summary>Checks an inclusion proof (RFC 9162 §2.1.3.2): that the leaf hashed <paramref name="leafHash"/> is leaf
    /// <paramref name="index"/> of the tree of <paramref name="size"/> leaves whose root is <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(
        long index,
        long size,
        ReadOnlySpan<byte> leafHash,
        IReadOnlyList<byte[]> proof,
        ReadOnlySpan<byte> root
    )
    {
        if (index < 0 || index >= size || leafHash.Length != HashSize || proof.Any(p => p.Length != HashSize))
            return false;
        var (fn, sn) = (index, size - 1);
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                    (fn, sn) = (fn >> 1, sn >> 1);
            }
            else
                r = NodeHash(r, p);
            (fn, sn) = (fn >> 1, sn >> 1);
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>Checks a consistency proof (RFC 9162 §2.1.4.2): that the tree of <paramref name="oldSize"/> leaves with root
    /// <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with root <paramref name="newRoot"/>.
    /// An empty old tree is a prefix of every tree (with an empty proof); equal sizes need equal roots and an empty proof.</summary>
    public static bool VerifyConsistency(
        long oldSize,
        long newSize,
        IReadOnlyList<byte[]> proof,
        ReadOnlySpan<byte> oldRoot,
        ReadOnlySpan<byte> newRoot
    )
    {
        if (oldSize < 0 || oldSize > newSize || proof.Any(p => p.Length != HashSize))
            return false;
        if (oldSize == 0)
            return proof.Count == 0;
        if (oldSize == newSize)
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        var path = BitOperations.IsPow2(oldSize) ? [oldRoot.ToArray(), .. proof] : proof;
        if (path.Count == 0)
            return false;
        var (fn, sn) = (oldSize - 1, newSize - 1);
        while ((fn & 1) == 1)
            (fn, sn) = (fn >> 1, sn >> 1);
        var (fr, sr) = (path[0], path[0]);
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                    (fn, sn) = (fn >> 1, sn >> 1);
            }
            else
                sr = NodeHash(sr, c);
            (fn, sn) = (fn >> 1, sn >> 1);
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, oldRoot) && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n ≥ 2): where RFC 9162 §2.1.1 splits a tree.</summary>
    private static long SplitPoint(long n) => (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;
}
