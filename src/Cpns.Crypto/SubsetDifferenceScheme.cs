using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// Subset Difference (Naor, Naor, Lotspiech, "Revocation and Tracing Schemes for Stateless
/// Receivers", CRYPTO 2001, §3.2). S_{i,j} is the set of leaves below node i but not below its
/// descendant j. Each internal node i has a label LABEL_i; LABEL_{i,i} = LABEL_i, the labels of the
/// children of j are G_L and G_R of LABEL_{i,j}, and the key of S_{i,j} is G_M(LABEL_{i,j}).
/// </summary>
internal sealed class SubsetDifferenceScheme : BroadcastScheme
{
    private const int LabelSize = LabelPrg.LabelSize;

    /// <summary>The subset of every leaf, used when nobody is excluded (node 0 does not exist in the tree).</summary>
    internal static readonly Subset FullSet = new(0, 0);

    public override BroadcastSchemeId Id => BroadcastSchemeId.SubsetDifference;

    private protected override int SubsetIdSize => 8;

    /// <summary>h(h+1)/2 labels: for each of the h internal ancestors i at depth d, the h-d labels LABEL_{i,k}
    /// of the nodes k hanging off the path from i to the leaf; then the full-set key.</summary>
    internal override int GkdkKeyCount(int height) => (height * (height + 1) / 2) + 1;

    /// <summary>Where the labels of ancestor depth d start in the GKDK: the sum of (h - d') for d' &lt; d.</summary>
    internal static int LabelOffset(int height, int depth) => (depth * height) - (depth * (depth - 1) / 2);

    /// <summary>
    /// The NNL cover. Walking the tree bottom up, each subtree reports its pending excluded node: none
    /// when it is fully privileged, itself when it holds no member, else the end of the single chain
    /// of the Steiner tree of excluded nodes below it. Where two chains meet at node v, the chains'
    /// subsets S_{child, end} are emitted and v becomes the pending excluded node (NNL §3.2, "the
    /// cover algorithm"). Fully excluded subtrees are single nodes, so unassigned leaves cost
    /// nothing and the walk visits O(m log n) nodes for m members.
    /// </summary>
    internal override void Cover(int height, ReadOnlySpan<int> sortedMembers, List<Subset> cover)
    {
        var end = PendingExcluded(1, height, sortedMembers, cover);
        if (end == 0)
        {
            cover.Add(FullSet);
        }
        else if (end != 1)
        {
            cover.Add(new Subset(1, end));
        }
    }

    internal override void DeriveSubsetKey(KeyMaterialSet keyMaterialSet, Subset subset, Span<byte> key)
    {
        Span<byte> label = stackalloc byte[LabelSize];
        NodeKeys.Derive(keyMaterialSet.SdLabelKey, subset.A, label);
        if (subset != FullSet)
        {
            var steps = TreeMath.Depth(subset.B) - TreeMath.Depth(subset.A);
            WalkDown(label, subset.B, steps);
        }

        LabelPrg.Middle(label, key);
        CryptographicOperations.ZeroMemory(label);
    }

    internal override bool TryDeriveMemberSubsetKey(Gkdk gkdk, Subset subset, Span<byte> key)
    {
        var height = gkdk.Height;
        var keys = gkdk.Keys;
        if (subset == FullSet)
        {
            keys[^LabelSize..].CopyTo(key);
            return true;
        }

        uint i = subset.A, j = subset.B;
        if (i == 0 || j <= i)
        {
            return false;
        }

        int di = TreeMath.Depth(i), dj = TreeMath.Depth(j);
        var u = TreeMath.LeafNode(height, gkdk.Leaf);
        if (dj > height || (j >> (dj - di)) != i || (u >> (height - di)) != i)
        {
            return false;
        }

        // u is below i; it is in S_{i,j} unless it is also below j. The highest bit where u's
        // ancestor at j's depth differs from j marks where their paths split: k = j >> t is the node
        // on j's side just below the split, which hangs off u's path, so u holds LABEL_{i,k}.
        var differ = (u >> (height - dj)) ^ j;
        if (differ == 0)
        {
            return false;
        }

        var t = TreeMath.Depth(differ);
        var dk = dj - t;
        var index = LabelOffset(height, di) + (dk - di - 1);
        Span<byte> label = stackalloc byte[LabelSize];
        keys.Slice(index * LabelSize, LabelSize).CopyTo(label);
        WalkDown(label, j, t);
        LabelPrg.Middle(label, key);
        CryptographicOperations.ZeroMemory(label);
        return true;
    }

    private protected override int FindMemberEntry(Gkdk gkdk, ReadOnlySpan<byte> entries, int count, Span<byte> key)
    {
        const int entrySize = 8 + BroadcastHeader.WrappedKeySize;
        var height = gkdk.Height;
        var u = TreeMath.LeafNode(height, gkdk.Leaf);
        for (var e = 0; e < count; e++)
        {
            var id = entries.Slice(e * entrySize, 8);
            var i = BinaryPrimitives.ReadUInt32BigEndian(id);
            // Most entries fail the first test: i is not on the leaf's path.
            if (i != 0 && (TreeMath.Depth(i) >= height || (u >> (height - TreeMath.Depth(i))) != i))
            {
                continue;
            }

            if (TryDeriveMemberSubsetKey(gkdk, new Subset(i, BinaryPrimitives.ReadUInt32BigEndian(id[4..])), key))
            {
                return e;
            }
        }

        return -1;
    }

    private protected override void DeriveGkdkCore(KeyMaterialSet keyMaterialSet, int leaf, Span<byte> keys)
    {
        var height = keyMaterialSet.Height;
        var u = TreeMath.LeafNode(height, leaf);
        Span<byte> label = stackalloc byte[LabelSize];
        Span<byte> left = stackalloc byte[LabelSize];
        Span<byte> right = stackalloc byte[LabelSize];
        for (var di = 0; di < height; di++)
        {
            var i = u >> (height - di);
            NodeKeys.Derive(keyMaterialSet.SdLabelKey, i, label);
            var offset = LabelOffset(height, di);
            for (var d = di; d < height; d++)
            {
                // The path continues to the child at depth d+1; its sibling hangs off the path.
                var goesRight = ((u >> (height - d - 1)) & 1) == 1;
                LabelPrg.Children(label, left, right);
                var hanging = goesRight ? left : right;
                hanging.CopyTo(keys.Slice((offset + (d - di)) * LabelSize, LabelSize));
                (goesRight ? right : left).CopyTo(label);
            }
        }

        NodeKeys.Derive(keyMaterialSet.SdLabelKey, 0, label);
        LabelPrg.Middle(label, keys[^LabelSize..]);
        CryptographicOperations.ZeroMemory(label);
        CryptographicOperations.ZeroMemory(left);
        CryptographicOperations.ZeroMemory(right);
    }

    private protected override void WriteSubset(Subset subset, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, subset.A);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], subset.B);
    }

    private protected override Subset ReadSubset(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(source), BinaryPrimitives.ReadUInt32BigEndian(source[4..]));

    /// <summary>Applies G_L / G_R along the last <paramref name="steps"/> branch bits of <paramref name="target"/>.</summary>
    private static void WalkDown(Span<byte> label, uint target, int steps)
    {
        for (var s = steps - 1; s >= 0; s--)
        {
            LabelPrg.Child(label, ((target >> s) & 1) == 1, label);
        }
    }

    /// <returns>0 when the subtree of v is fully privileged, else its pending excluded node.</returns>
    private static uint PendingExcluded(uint v, int height, ReadOnlySpan<int> members, List<Subset> cover)
    {
        if (members.IsEmpty)
        {
            return v;
        }

        var depth = TreeMath.Depth(v);
        if (members.Length == 1 << (height - depth))
        {
            return 0;
        }

        var (first, end) = TreeMath.LeafRange(height, v);
        var split = members.BinarySearch(first + ((end - first) / 2));
        split = split >= 0 ? split : ~split;
        var left = PendingExcluded(2 * v, height, members[..split], cover);
        var right = PendingExcluded((2 * v) + 1, height, members[split..], cover);
        if (left == 0)
        {
            return right;
        }

        if (right == 0)
        {
            return left;
        }

        if (left != 2 * v)
        {
            cover.Add(new Subset(2 * v, left));
        }

        if (right != (2 * v) + 1)
        {
            cover.Add(new Subset((2 * v) + 1, right));
        }

        return v;
    }
}
