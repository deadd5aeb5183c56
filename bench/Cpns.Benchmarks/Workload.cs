using Cpns.Crypto;

namespace Cpns.Benchmarks;

/// <summary>
/// The member sets the benchmarks and the report share. Exclusions come from a fixed seed, so every
/// run (and the report step, which recomputes header sizes) sees the same covers.
/// </summary>
internal static class Workload
{
    /// <summary>The PN the broadcasts are made for.</summary>
    public const string PnId = "pn-bench";

    /// <summary>The Service Group whose key is delivered.</summary>
    public const string GroupId = "group-bench";

    private const int Seed = 20_240_611;

    /// <summary>
    /// Leaves 0..<paramref name="assigned"/>-1 are assigned PNEs; <paramref name="excluded"/> of them,
    /// drawn without replacement from a fixed seed, are left out. Returns the members, ascending.
    /// </summary>
    public static int[] Members(int assigned, int excluded)
    {
        var leaves = new int[assigned];
        for (var i = 0; i < assigned; i++)
        {
            leaves[i] = i;
        }

        // Partial Fisher-Yates: the last `excluded` slots end up holding a uniform random sample.
        var random = new Random(Seed);
        for (var i = assigned - 1; i >= assigned - excluded; i--)
        {
            var j = random.Next(i + 1);
            (leaves[i], leaves[j]) = (leaves[j], leaves[i]);
        }

        var members = leaves[..(assigned - excluded)];
        Array.Sort(members);
        return members;
    }

    /// <summary>m = 1,024 assigned PNEs (leaves 0..1023), 10% (102) excluded at random.</summary>
    public static int[] SmallPnMembers() => Members(1024, 102);

    /// <summary>m = 65,536 assigned PNEs (every leaf at h = 16), 1,000 excluded at random.</summary>
    public static int[] FullPnMembers() => Members(65_536, 1_000);

    /// <summary>The members of an encryption scenario and the tree height it runs at.</summary>
    public static (int Height, int[] Members) Encryption(EncryptScenario scenario) => scenario switch
    {
        EncryptScenario.M1024Excl10Pct => (16, SmallPnMembers()),
        EncryptScenario.M65536Excl1000 => (16, FullPnMembers()),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    /// <summary>The cover of <paramref name="members"/> (ascending) under <paramref name="scheme"/>.</summary>
    public static List<Subset> CoverOf(BroadcastScheme scheme, int height, int[] members)
    {
        var cover = new List<Subset>();
        scheme.Cover(height, members, cover);
        return cover;
    }

    /// <summary>Header size in bytes and entry count, from the cover: prefix plus one entry per subset.</summary>
    public static (int Entries, int Bytes) HeaderSize(BroadcastScheme scheme, int height, int[] members)
    {
        var entries = CoverOf(scheme, height, members).Count;
        return (entries, BroadcastHeader.PrefixSize + (entries * scheme.EntrySize));
    }

    /// <summary>
    /// The Subset Difference member whose decryption does the most work: the most G_L/G_R label
    /// steps from its stored label to LABEL_{i,j}, ties broken by the later header entry (the
    /// decryptor scans the header in order).
    /// </summary>
    public static SdWorstMember WorstSdMember(int height, int[] members)
    {
        var cover = CoverOf(BroadcastScheme.SubsetDifference, height, members);
        var best = new SdWorstMember(-1, -1, -1);
        foreach (var leaf in members)
        {
            var u = (1u << height) + (uint)leaf;
            for (var e = 0; e < cover.Count; e++)
            {
                var steps = SdLabelSteps(height, cover[e], u);
                if (steps < 0)
                {
                    continue;
                }

                if (steps > best.LabelSteps || (steps == best.LabelSteps && e > best.EntryIndex))
                {
                    best = new SdWorstMember(leaf, steps, e);
                }

                break;
            }
        }

        return best;
    }

    /// <summary>
    /// The label steps a PNE at leaf node <paramref name="u"/> takes for S_{i,j}, or -1 when it is not
    /// in the subset; mirrors SubsetDifferenceScheme.TryDeriveMemberSubsetKey.
    /// </summary>
    private static int SdLabelSteps(int height, Subset subset, uint u)
    {
        if (subset == new Subset(0, 0))
        {
            return 0;
        }

        uint i = subset.A, j = subset.B;
        int di = TreeMath.Depth(i), dj = TreeMath.Depth(j);
        if ((u >> (height - di)) != i)
        {
            return -1;
        }

        var differ = (u >> (height - dj)) ^ j;
        return differ == 0 ? -1 : TreeMath.Depth(differ);
    }
}

/// <summary>The encryption workloads of the issue.</summary>
public enum EncryptScenario
{
    /// <summary>h = 16, leaves 0..1023 assigned, 102 (10%) excluded at random.</summary>
    M1024Excl10Pct,

    /// <summary>h = 16, all 65,536 leaves assigned, 1,000 excluded at random.</summary>
    M65536Excl1000,
}

/// <summary>The chosen decrypting member: its leaf, its label steps, and the index of its header entry.</summary>
internal readonly record struct SdWorstMember(int Leaf, int LabelSteps, int EntryIndex);
