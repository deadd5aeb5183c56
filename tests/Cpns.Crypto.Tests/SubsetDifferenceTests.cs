using CsCheck;

namespace Cpns.Crypto.Tests;

/// <summary>Subset Difference against its definitions (NNL 2001 §3.2).</summary>
public sealed class SubsetDifferenceTests
{
    private static readonly BroadcastScheme Sd = BroadcastScheme.SubsetDifference;

    /// <summary>A tree height, member leaves clustered and scattered, and an assigned population around them.</summary>
    private static Gen<(int Height, int[] Members, int[] Others)> Population(int minHeight, int maxHeight) =>
        Gen.Select(Gen.Int[minHeight, maxHeight], Gen.Int[0, 200], Gen.Int[0, 60], Gen.Int)
            .Select(t =>
            {
                var (height, memberCount, otherCount, seed) = t;
                var random = new Random(seed);
                var size = 1 << height;
                var start = random.Next(size);
                // Half the members in a run (whole subtrees), half anywhere: both shapes stress the cover.
                var members = TestTrees.DistinctLeaves(height, Enumerable.Range(0, memberCount)
                    .Select(k => k % 2 == 0 ? start + k : random.Next()));
                var memberSet = members.ToHashSet();
                var others = TestTrees.DistinctLeaves(height, Enumerable.Range(0, otherCount)
                    .Select(k => k % 2 == 0 ? members.ElementAtOrDefault(k) + 1 : random.Next()))
                    .Where(x => !memberSet.Contains(x)).ToArray();
                return (height, members, others);
            });

    [Fact]
    public void Encrypt_RandomPopulations_EveryMemberDecryptsAndEveryNonMemberFails()
    {
        Population(1, 20).Sample(p =>
        {
            using var kms = KeyMaterialSet.Create(p.Height);
            using var gk = GroupKey.Create("g", 1);
            var broadcast = Sd.Encrypt(kms, p.Members, gk, "pn");

            foreach (var leaf in p.Members.Take(40))
            {
                using var gkdk = Sd.DeriveGkdk(kms, leaf);
                Assert.Equal(BroadcastDecryptStatus.Success, Sd.TryDecrypt(gkdk, broadcast, out var received));
                using (received!)
                {
                    Assert.True(received!.KeyEquals(gk));
                }
            }

            foreach (var leaf in p.Others)
            {
                using var gkdk = Sd.DeriveGkdk(kms, leaf);
                Assert.Equal(BroadcastDecryptStatus.NotARecipient, Sd.TryDecrypt(gkdk, broadcast, out _));
            }
        }, iter: 150);
    }

    [Fact]
    public void Cover_RandomPopulations_HasAtMostTwoRMinusOneSubsets()
    {
        Population(1, 14).Sample(p =>
        {
            var sorted = p.Members.Order().ToArray();
            var cover = new List<Subset>();
            Sd.Cover(p.Height, sorted, cover);

            var r = TestTrees.MaximalExcludedSubtrees(p.Height, sorted.ToHashSet());
            if (r == 0)
            {
                Assert.Equal([SubsetDifferenceScheme.FullSet], cover);
            }
            else if (sorted.Length == 0)
            {
                Assert.Empty(cover);
            }
            else
            {
                Assert.InRange(cover.Count, 1, (2 * r) - 1);
            }
        }, iter: 400);
    }

    [Fact]
    public void Cover_CoalitionOfAllNonMembers_CannotDeriveAnyCoverKey()
    {
        Population(1, 10).Sample(p =>
        {
            using var kms = KeyMaterialSet.Create(p.Height);
            var size = 1 << p.Height;
            var memberSet = p.Members.ToHashSet();
            var sorted = p.Members.Order().ToArray();
            var cover = new List<Subset>();
            Sd.Cover(p.Height, sorted, cover);

            // Every label the coalition holds, and everything G_L / G_R derive from it, keyed by (i, node).
            var derivable = new Dictionary<(uint I, uint Node), byte[]>();
            var coalitionKeys = new HashSet<string>();
            var coalitionHasFullSetKey = false;
            for (var leaf = 0; leaf < size; leaf++)
            {
                if (memberSet.Contains(leaf))
                {
                    continue;
                }

                using var gkdk = Sd.DeriveGkdk(kms, leaf);
                coalitionHasFullSetKey = true;
                CollectDerivable(gkdk, derivable);
            }

            foreach (var label in derivable.Values)
            {
                var key = new byte[32];
                LabelPrg.Middle(label, key);
                coalitionKeys.Add(Convert.ToHexString(key));
            }

            foreach (var subset in cover)
            {
                if (subset == SubsetDifferenceScheme.FullSet)
                {
                    Assert.False(coalitionHasFullSetKey, "The full-set key was used although some leaf is excluded.");
                    continue;
                }

                Assert.False(derivable.ContainsKey((subset.A, subset.B)), $"The coalition can derive LABEL_{{{subset.A},{subset.B}}}.");
                var key = new byte[32];
                Sd.DeriveSubsetKey(kms, subset, key);
                Assert.DoesNotContain(Convert.ToHexString(key), coalitionKeys);
            }
        }, iter: 60);
    }

    [Fact]
    public void DeriveGkdk_StoresExactlyTheLabelsHangingOffThePath()
    {
        const int height = 6;
        using var kms = KeyMaterialSet.Create(height);
        var leaf = 37;
        using var gkdk = Sd.DeriveGkdk(kms, leaf);
        var u = TreeMath.LeafNode(height, leaf);
        var labels = new byte[32];

        for (var di = 0; di < height; di++)
        {
            var i = u >> (height - di);
            for (var dk = di + 1; dk <= height; dk++)
            {
                var k = (u >> (height - dk)) ^ 1;
                // LABEL_{i,k} straight from the definition: LABEL_i walked down with G_L / G_R.
                NodeKeys.Derive(kms.SdLabelKey, i, labels);
                for (var s = dk - di - 1; s >= 0; s--)
                {
                    LabelPrg.Child(labels, ((k >> s) & 1) == 1, labels);
                }

                var index = SubsetDifferenceScheme.LabelOffset(height, di) + (dk - di - 1);
                Assert.True(labels.AsSpan().SequenceEqual(gkdk.Keys.Slice(index * 32, 32)), $"LABEL_{{{i},{k}}} is wrong.");
            }
        }

        Assert.Equal((height * (height + 1) / 2) + 1, gkdk.KeyCount);
    }

    [Fact]
    public void Encrypt_MaxHeightWithFewMembers_CoverStaysSmall()
    {
        using var kms = KeyMaterialSet.Create(KeyMaterialSet.MaxHeight);
        using var gk = GroupKey.Create("g", 1);
        int[] members = [0, 1, 5, 1 << 20, (1 << 24) - 1];

        var broadcast = Sd.Encrypt(kms, members, gk, "pn");

        Assert.InRange(broadcast.HeaderEntryCount, 1, 2 * 6 - 1);
        using var gkdk = Sd.DeriveGkdk(kms, 1 << 20);
        Assert.Equal(BroadcastDecryptStatus.Success, Sd.TryDecrypt(gkdk, broadcast, out var received));
        received!.Dispose();
    }

    [Fact]
    public void Encrypt_EveryLeafAMember_UsesTheFullSet()
    {
        using var kms = KeyMaterialSet.Create(3);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = Sd.Encrypt(kms, Enumerable.Range(0, 8).ToArray(), gk, "pn");

        Assert.Equal(1, broadcast.HeaderEntryCount);
        using var gkdk = Sd.DeriveGkdk(kms, 6);
        Assert.Equal(BroadcastDecryptStatus.Success, Sd.TryDecrypt(gkdk, broadcast, out var received));
        received!.Dispose();
    }

    [Fact]
    public void TryDecrypt_RemovedPneReplayingItsGkdk_CannotOpenLaterBroadcasts()
    {
        using var kms = KeyMaterialSet.Create(10);
        var removed = Sd.DeriveGkdk(kms, 300);
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        var before = Sd.Encrypt(kms, [299, 300, 301], gk1, "pn");
        var after = Sd.Encrypt(kms, [299, 301], gk2, "pn");

        Assert.Equal(BroadcastDecryptStatus.Success, Sd.TryDecrypt(removed, before, out var old));
        old!.Dispose();
        using var replayed = Gkdk.Import(removed.Export());
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, Sd.TryDecrypt(replayed, after, out _));
        removed.Dispose();
    }

    private static void CollectDerivable(Gkdk gkdk, Dictionary<(uint I, uint Node), byte[]> derivable)
    {
        var height = gkdk.Height;
        var u = TreeMath.LeafNode(height, gkdk.Leaf);
        for (var di = 0; di < height; di++)
        {
            var i = u >> (height - di);
            for (var dk = di + 1; dk <= height; dk++)
            {
                var k = (u >> (height - dk)) ^ 1;
                var index = SubsetDifferenceScheme.LabelOffset(height, di) + (dk - di - 1);
                Descend(i, k, gkdk.Keys.Slice(index * 32, 32).ToArray());
            }
        }

        void Descend(uint i, uint node, byte[] label)
        {
            if (!derivable.TryAdd((i, node), label) || TreeMath.Depth(node) == height)
            {
                return;
            }

            var left = new byte[32];
            var right = new byte[32];
            LabelPrg.Children(label, left, right);
            Descend(i, 2 * node, left);
            Descend(i, (2 * node) + 1, right);
        }
    }
}
