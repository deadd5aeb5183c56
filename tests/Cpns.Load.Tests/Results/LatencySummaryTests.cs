using Cpns.Load.Results;

namespace Cpns.Load.Tests.Results;

public sealed class LatencySummaryTests
{
    [Fact]
    public void Of_OneToHundred_NearestRankPercentiles()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse());

        Assert.Equal(new LatencySummary(100, 50, 90, 99, 100), summary);
    }

    [Fact]
    public void Of_Nothing_AllZero()
    {
        Assert.Equal(new LatencySummary(0, 0, 0, 0, 0), LatencySummary.Of([]));
    }

    [Fact]
    public void LinearFit_ExactLine_RecoversInterceptAndSlope()
    {
        var (intercept, slope) = PlotWriter.LinearFit([(100, 150), (200, 200), (400, 300)]);

        Assert.Equal(100, intercept, 6);
        Assert.Equal(0.5, slope, 6);
    }
}
