using System.Buffers.Binary;

namespace Cpns.Crypto;

/// <summary>
/// The naive scheme: every PNE has its own key and the GKEK is wrapped once per member. Header size
/// grows with the members, not the excluded; the baseline the tree schemes are measured against.
/// </summary>
internal sealed class DirectScheme : BroadcastScheme
{
    public override BroadcastSchemeId Id => BroadcastSchemeId.Direct;

    private protected override int SubsetIdSize => 4;

    internal override int GkdkKeyCount(int height) => 1;

    internal override void Cover(int height, ReadOnlySpan<int> sortedMembers, List<Subset> cover)
    {
        foreach (var leaf in sortedMembers)
        {
            cover.Add(new Subset(TreeMath.LeafNode(height, leaf), 0));
        }
    }

    internal override void DeriveSubsetKey(KeyMaterialSet keyMaterialSet, Subset subset, Span<byte> key) =>
        NodeKeys.Derive(keyMaterialSet.DirectLeafKey, subset.A, key);

    internal override bool TryDeriveMemberSubsetKey(Gkdk gkdk, Subset subset, Span<byte> key)
    {
        if (subset.A != TreeMath.LeafNode(gkdk.Height, gkdk.Leaf) || subset.B != 0)
        {
            return false;
        }

        gkdk.Keys.CopyTo(key);
        return true;
    }

    private protected override void DeriveGkdkCore(KeyMaterialSet keyMaterialSet, int leaf, Span<byte> keys) =>
        NodeKeys.Derive(keyMaterialSet.DirectLeafKey, TreeMath.LeafNode(keyMaterialSet.Height, leaf), keys);

    private protected override void WriteSubset(Subset subset, Span<byte> destination) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, subset.A);

    private protected override Subset ReadSubset(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source), 0);
}
