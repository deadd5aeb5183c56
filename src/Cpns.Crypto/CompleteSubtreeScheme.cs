using System.Buffers.Binary;

namespace Cpns.Crypto;

/// <summary>
/// Complete Subtree (NNL 2001 §3.1): every node has a key, a PNE holds the h+1 keys of its path, and
/// the cover is the maximal subtrees holding only members. A baseline for Subset Difference.
/// </summary>
internal sealed class CompleteSubtreeScheme : BroadcastScheme
{
    private const int KeySize = 32;

    public override BroadcastSchemeId Id => BroadcastSchemeId.CompleteSubtree;

    private protected override int SubsetIdSize => 4;

    internal override int GkdkKeyCount(int height) => height + 1;

    internal override void Cover(int height, ReadOnlySpan<int> sortedMembers, List<Subset> cover) =>
        CoverSubtree(1, height, sortedMembers, cover);

    internal override void DeriveSubsetKey(KeyMaterialSet keyMaterialSet, Subset subset, Span<byte> key) =>
        NodeKeys.Derive(keyMaterialSet.CsNodeKey, subset.A, key);

    internal override bool TryDeriveMemberSubsetKey(Gkdk gkdk, Subset subset, Span<byte> key)
    {
        var v = subset.A;
        if (v == 0 || subset.B != 0 || TreeMath.Depth(v) > gkdk.Height
            || !TreeMath.IsAncestorOrSelf(v, TreeMath.LeafNode(gkdk.Height, gkdk.Leaf)))
        {
            return false;
        }

        gkdk.Keys.Slice(TreeMath.Depth(v) * KeySize, KeySize).CopyTo(key);
        return true;
    }

    private protected override void DeriveGkdkCore(KeyMaterialSet keyMaterialSet, int leaf, Span<byte> keys)
    {
        var height = keyMaterialSet.Height;
        var u = TreeMath.LeafNode(height, leaf);
        for (var d = 0; d <= height; d++)
        {
            NodeKeys.Derive(keyMaterialSet.CsNodeKey, u >> (height - d), keys.Slice(d * KeySize, KeySize));
        }
    }

    private protected override void WriteSubset(Subset subset, Span<byte> destination) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, subset.A);

    private protected override Subset ReadSubset(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source), 0);

    private static void CoverSubtree(uint v, int height, ReadOnlySpan<int> members, List<Subset> cover)
    {
        if (members.IsEmpty)
        {
            return;
        }

        if (members.Length == 1 << (height - TreeMath.Depth(v)))
        {
            cover.Add(new Subset(v, 0));
            return;
        }

        var (first, end) = TreeMath.LeafRange(height, v);
        var split = members.BinarySearch(first + ((end - first) / 2));
        split = split >= 0 ? split : ~split;
        CoverSubtree(2 * v, height, members[..split], cover);
        CoverSubtree((2 * v) + 1, height, members[split..], cover);
    }
}
