using System.Numerics;

namespace Cpns.Crypto;

/// <summary>
/// Node arithmetic for the complete binary tree of 2^h leaves, numbered as a heap: the root is 1, the
/// children of v are 2v and 2v+1, and leaf u (0-based) is node 2^h + u. With this numbering every
/// ancestor test is a shift, which keeps cover and decryption free of tree walks.
/// </summary>
internal static class TreeMath
{
    public const int MinHeight = 1;
    public const int MaxHeight = 24;

    /// <summary>Depth of node v (the root has depth 0).</summary>
    public static int Depth(uint node) => BitOperations.Log2(node);

    public static uint LeafNode(int height, int leaf) => (1u << height) + (uint)leaf;

    /// <summary>True when <paramref name="ancestor"/> is <paramref name="node"/> or lies above it.</summary>
    public static bool IsAncestorOrSelf(uint ancestor, uint node)
    {
        var da = Depth(ancestor);
        var dn = Depth(node);
        return da <= dn && (node >> (dn - da)) == ancestor;
    }

    /// <summary>The first and one-past-last leaf index below node v.</summary>
    public static (int First, int End) LeafRange(int height, uint node)
    {
        var shift = height - Depth(node);
        var first = (int)((node << shift) - (1u << height));
        return (first, first + (1 << shift));
    }
}
