using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Xunit;
using Governance.Attestations.Transparency;

namespace Governance.Attestations.Tests;

/// <summary>
/// The RFC 6962 tree against transparency-dev/merkle's reference values (../shared/vectors/rfc6962.json: leaf hashes and roots for
/// sizes 0-8), every inclusion and consistency proof of those sizes checked against those roots, and a property over random sizes
/// up to 1,000: every proof verifies and any flipped bit fails.
/// </summary>
public class MerkleTreeTests
{
    private static readonly JsonNode Vectors = JsonNode.Parse(File.ReadAllText(VectorsPath()))!;

    private static string VectorsPath()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Governance.sln")))
            folder = folder.Parent;
        return Path.Combine(folder!.FullName, "..", "shared", "vectors", "rfc6962.json");
    }

    private static byte[][] VectorLeaves() =>
        Vectors["leafInputsHex"]!.AsArray().Select(l => Rfc6962.LeafHash(Convert.FromHexString(l!.GetValue<string>()))).ToArray();

    private static byte[] VectorRoot(long size) => Convert.FromHexString(Vectors["rootHashesBySize"]![size.ToString()]!.GetValue<string>());

    [Fact]
    public void Leaf_hashes_are_the_reference_ones()
    {
        var expected = Vectors["leafHashes"]!.AsArray().Select(h => h!.GetValue<string>()).ToArray();
        Assert.Equal(expected, VectorLeaves().Select(Convert.ToHexStringLower));
    }

    [Fact]
    public void Roots_of_sizes_0_to_8_are_the_reference_ones_both_from_the_tree_and_from_the_frontier()
    {
        var tree = new MerkleTree();
        var frontier = new MerkleFrontier();
        Assert.Equal(VectorRoot(0), tree.Root(0));
        Assert.Equal(VectorRoot(0), frontier.Root());
        foreach (var leaf in VectorLeaves())
        {
            tree.Append(leaf);
            frontier.Append(leaf);
            Assert.Equal(VectorRoot(tree.Size), tree.Root(tree.Size));
            Assert.Equal(VectorRoot(tree.Size), frontier.Root());
        }
        for (var size = 0; size <= 8; size++)
            Assert.Equal(VectorRoot(size), tree.Root(size));
    }

    [Fact]
    public void Every_inclusion_and_consistency_proof_of_sizes_1_to_8_verifies_against_the_reference_roots()
    {
        var leaves = VectorLeaves();
        var tree = new MerkleTree();
        foreach (var leaf in leaves)
            tree.Append(leaf);
        for (var size = 1; size <= 8; size++)
        {
            for (var index = 0; index < size; index++)
                Assert.True(Rfc6962.VerifyInclusion(index, size, leaves[index], tree.InclusionProof(index, size), VectorRoot(size)));
            for (var old = 0; old <= size; old++)
                Assert.True(
                    Rfc6962.VerifyConsistency(old, size, tree.ConsistencyProof(old, size), VectorRoot(old), VectorRoot(size)),
                    $"consistency {old} -> {size}"
                );
        }
    }

    [Fact]
    public void Proofs_have_the_shapes_of_RFC_9162s_examples()
    {
        // RFC 9162 §2.1.5: in the tree of 7 leaves, a's inclusion proof is [b, h, l] (three hashes); the consistency proof
        // between sizes 3 and 7 is [c, d, g, l] (four hashes), between 4 and 7 [l], between 6 and 7 [i, j, k].
        Assert.Equal(3, Rfc6962.InclusionRanges(0, 7).Count);
        Assert.Equal([new LeafRange(2, 3), new LeafRange(3, 4), new LeafRange(0, 2), new LeafRange(4, 7)], Rfc6962.ConsistencyRanges(3, 7));
        Assert.Equal([new LeafRange(4, 7)], Rfc6962.ConsistencyRanges(4, 7));
        Assert.Equal([new LeafRange(4, 6), new LeafRange(6, 7), new LeafRange(0, 4)], Rfc6962.ConsistencyRanges(6, 7));
    }

    [Fact]
    public void A_restored_frontier_appends_as_the_original_would()
    {
        var tree = new MerkleTree();
        for (var i = 0; i < 37; i++)
            tree.Append(Rfc6962.LeafHash([(byte)i]));
        var frontier = MerkleFrontier.Restore(21, tree.Node);
        for (var i = 21; i < 37; i++)
            frontier.Append(Rfc6962.LeafHash([(byte)i]));
        Assert.Equal(tree.Root(37), frontier.Root());
    }

    [Property(MaxTest = 60)]
    public void Every_proof_of_a_random_tree_verifies_and_any_flipped_bit_fails(PositiveInt sizeSeed, int seed)
    {
        var size = sizeSeed.Get % 1000 + 1;
        var random = new Random(seed);
        var tree = new MerkleTree();
        var leaves = new byte[size][];
        for (var i = 0; i < size; i++)
        {
            leaves[i] = Rfc6962.LeafHash(BitConverter.GetBytes(((long)seed << 32) + i));
            tree.Append(leaves[i]);
        }
        var roots = Enumerable.Range(0, size + 1).Select(s => tree.Root(s)).ToArray();

        for (var index = 0; index < size; index++)
        {
            var proof = tree.InclusionProof(index, size);
            Assert.True(Rfc6962.VerifyInclusion(index, size, leaves[index], proof, roots[size]), $"inclusion of {index} in {size}");
            var (leaf, path, root) = Flip(random, leaves[index], proof, roots[size]);
            Assert.False(Rfc6962.VerifyInclusion(index, size, leaf, path, root), $"flipped inclusion of {index} in {size}");
        }
        for (var old = 1; old < size; old++)
        {
            var proof = tree.ConsistencyProof(old, size);
            Assert.True(Rfc6962.VerifyConsistency(old, size, proof, roots[old], roots[size]), $"consistency {old} -> {size}");
            var (oldRoot, path, newRoot) = Flip(random, roots[old], proof, roots[size]);
            Assert.False(Rfc6962.VerifyConsistency(old, size, path, oldRoot, newRoot), $"flipped consistency {old} -> {size}");
        }
    }

    /// <summary>Copies of the three inputs of a verification with one random bit of one of them flipped.</summary>
    private static (byte[] First, IReadOnlyList<byte[]> Proof, byte[] Last) Flip(
        Random random,
        byte[] first,
        IReadOnlyList<byte[]> proof,
        byte[] last
    )
    {
        var parts = new[] { first }.Concat(proof).Append(last).Select(p => p.ToArray()).ToArray();
        var bit = random.Next(parts.Length * Rfc6962.HashSize * 8);
        parts[bit / (Rfc6962.HashSize * 8)][bit / 8 % Rfc6962.HashSize] ^= (byte)(1 << (bit % 8));
        return (parts[0], parts[1..^1], parts[^1]);
    }
}
