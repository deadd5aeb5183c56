using Cpns.Load.Results;
using Cpns.Load.Scenarios;

namespace Cpns.Load.Tests.Scenarios;

public sealed class SustainedScenarioTests
{
    [Fact]
    public void Count_AcknowledgementsOfWarmupRotationsLandingInTheWindow_AreCounted()
    {
        // The window is [10, 20]. The rotation sent at 8 (warm-up) is acknowledged at 11 and 12: inside, so counted.
        // The one sent at 19 is acknowledged at 19.5 (inside) and 23 (after the window, before the drain).
        double[] sent = [10, 15, 19];
        double[] acknowledged = [9, 11, 12, 15.5, 19.5, 23];

        var (inWindow, inCpuSpan, seconds) = SustainedScenario.Count(sent, acknowledged, 10, 20, double.PositiveInfinity);

        Assert.Equal(4, inWindow);
        Assert.Equal(5, inCpuSpan);
        Assert.Equal(
            [new SecondBucket(0, 1, 0), new SecondBucket(1, 0, 1), new SecondBucket(2, 0, 1), new SecondBucket(5, 1, 1), new SecondBucket(9, 1, 1), new SecondBucket(13, 0, 1)],
            seconds);
    }

    [Fact]
    public void Count_WarmupSpan_StopsAtTheWindowsStart()
    {
        // The warm-up's span is [0, 10]; its late acknowledgements belong to the window that follows.
        var (inWindow, inCpuSpan, seconds) = SustainedScenario.Count([0, 5], [4, 9, 11, 12], 0, 10, 10);

        Assert.Equal((2, 2), (inWindow, inCpuSpan));
        Assert.Equal([new SecondBucket(0, 1, 0), new SecondBucket(4, 0, 1), new SecondBucket(5, 1, 0), new SecondBucket(9, 0, 1)], seconds);
    }
}
