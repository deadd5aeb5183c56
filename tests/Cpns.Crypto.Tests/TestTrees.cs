namespace Cpns.Crypto.Tests;

/// <summary>Helpers that state the schemes' definitions directly, to test the implementation against.</summary>
internal static class TestTrees
{
    public static KeyMaterialSet KeyMaterialSetFromRoot(int height, ReadOnlySpan<byte> root)
    {
        var encoded = new byte[36];
        encoded[0] = 1;
        encoded[2] = (byte)CipherSuite.Aes256GcmHkdfSha256;
        encoded[3] = (byte)height;
        root.CopyTo(encoded.AsSpan(4));
        return KeyMaterialSet.Import(encoded);
    }

    /// <summary>r: the number of maximal subtrees holding no member (NNL's revoked set, with whole excluded subtrees as one node).</summary>
    public static int MaximalExcludedSubtrees(int height, IReadOnlySet<int> members, uint node = 1)
    {
        var (first, end) = TreeMath.LeafRange(height, node);
        var inside = 0;
        for (var leaf = first; leaf < end; leaf++)
        {
            inside += members.Contains(leaf) ? 1 : 0;
        }

        if (inside == 0)
        {
            return 1;
        }

        if (inside == end - first)
        {
            return 0;
        }

        return MaximalExcludedSubtrees(height, members, 2 * node) + MaximalExcludedSubtrees(height, members, (2 * node) + 1);
    }

    /// <summary>The leaves of a subset straight from its definition.</summary>
    public static IEnumerable<int> Leaves(BroadcastSchemeId scheme, int height, Subset subset)
    {
        if (scheme == BroadcastSchemeId.SubsetDifference && subset == new Subset(0, 0))
        {
            return Enumerable.Range(0, 1 << height);
        }

        var (first, end) = TreeMath.LeafRange(height, subset.A);
        var inA = Enumerable.Range(first, end - first);
        if (scheme != BroadcastSchemeId.SubsetDifference)
        {
            return inA;
        }

        var (jFirst, jEnd) = TreeMath.LeafRange(height, subset.B);
        return inA.Where(leaf => leaf < jFirst || leaf >= jEnd);
    }

    public static int[] DistinctLeaves(int height, IEnumerable<int> raw) =>
        [.. raw.Select(x => x & ((1 << height) - 1)).Distinct()];
}
