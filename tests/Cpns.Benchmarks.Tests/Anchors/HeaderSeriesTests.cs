using Cpns.Benchmarks.Anchors;
using Cpns.Crypto;

namespace Cpns.Benchmarks.Tests.Anchors;

public sealed class HeaderSeriesTests
{
    private static readonly int[] Excluded = [1, 2, 3, 5, 8, 13, 21, 32];

    [Fact]
    public void Compute_SubsetDifference_StaysWithinTwoRMinusOneEntries()
    {
        var points = HeaderSeries.Compute(6, Excluded);

        foreach (var point in points.Where(p => p.Scheme == BroadcastSchemeId.SubsetDifference))
        {
            Assert.InRange(point.Entries, 1, HeaderSeries.SdEntryBound(point.Excluded));
            Assert.True(point.Bytes <= HeaderSeries.SdByteBound(point.Excluded));
        }
    }

    [Fact]
    public void Compute_Direct_HasOneEntryPerMember()
    {
        var points = HeaderSeries.Compute(6, Excluded);

        Assert.All(points.Where(p => p.Scheme == BroadcastSchemeId.Direct), p => Assert.Equal(64 - p.Excluded, p.Entries));
        Assert.Equal(Excluded.Length * 3, points.Count);
    }
}
