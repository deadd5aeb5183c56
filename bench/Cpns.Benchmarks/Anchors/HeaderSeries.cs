using Cpns.Crypto;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// Header size against the number of excluded PNEs r for each scheme, from real broadcasts: a tree of
/// height h with every leaf assigned (so NNL's revoked set is exactly the r excluded leaves), r leaves
/// excluded at random from a fixed seed, and the project's own <see cref="BroadcastScheme.Encrypt(KeyMaterialSet, ReadOnlySpan{int}, GroupKey, string)"/>.
/// </summary>
internal static class HeaderSeries
{
    /// <summary>Excluded counts plotted for the default m = 1,024 (h = 10).</summary>
    public static readonly int[] DefaultExcluded = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 192, 224, 256];

    public static IReadOnlyList<HeaderPoint> Compute(int height, IReadOnlyList<int> excludedCounts)
    {
        ArgumentNullException.ThrowIfNull(excludedCounts);
        var points = new List<HeaderPoint>();
        using var keyMaterial = KeyMaterialSet.Create(height);
        using var groupKey = GroupKey.Create("group-header-series", 1);
        var assigned = 1 << height;
        foreach (var r in excludedCounts)
        {
            var members = Workload.Members(assigned, r);
            foreach (var scheme in new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.CompleteSubtree, BroadcastScheme.Direct })
            {
                var broadcast = scheme.Encrypt(keyMaterial, members, groupKey, Workload.PnId);
                points.Add(new HeaderPoint(scheme.Id, assigned, r, broadcast.HeaderEntryCount, broadcast.Header.Length));
            }
        }

        return points;
    }

    /// <summary>NNL Lemma 3: at most 2r - 1 Subset Difference entries for r revoked leaves (one entry, S_full, for r = 0).</summary>
    public static int SdEntryBound(int excluded) => Math.Max(1, (2 * excluded) - 1);

    /// <summary>The header bytes of <see cref="SdEntryBound"/> entries.</summary>
    public static int SdByteBound(int excluded) => BroadcastHeader.PrefixSize + (SdEntryBound(excluded) * BroadcastScheme.SubsetDifference.EntrySize);
}

/// <summary>One real header: the scheme, m assigned leaves, r excluded, its entries and bytes.</summary>
internal readonly record struct HeaderPoint(BroadcastSchemeId Scheme, int Assigned, int Excluded, int Entries, int Bytes);
