using Cpns.Device.Messaging;
using CsCheck;

namespace Cpns.Device.Tests.Messaging;

public sealed class ReplayWindowTests
{
    [Fact]
    public void TryMark_SameCounterTwice_SecondRefused()
    {
        var window = new ReplayWindow();

        Assert.True(window.TryMark(5));
        Assert.False(window.TryMark(5));
        Assert.True(window.TryMark(3));
        Assert.False(window.IsFresh(3));
    }

    [Fact]
    public void IsFresh_CounterBehindWindow_Refused()
    {
        var window = new ReplayWindow();
        window.TryMark(2000);

        Assert.False(window.IsFresh(2000 - ReplayWindow.Size));
        Assert.True(window.IsFresh(2001 - ReplayWindow.Size));
        Assert.False(window.IsFresh(0));
    }

    [Fact]
    public void TryMark_AnySequence_MatchesSetModel()
    {
        // Model: a counter is fresh iff never accepted and within Size of the highest accepted.
        Gen.ULong[1, 3000].Array[1, 400].Sample(counters =>
        {
            var window = new ReplayWindow();
            var seen = new HashSet<ulong>();
            ulong highest = 0;
            foreach (var c in counters)
            {
                var expected = !seen.Contains(c) && (c > highest || highest - c < ReplayWindow.Size);
                Assert.Equal(expected, window.TryMark(c));
                if (expected)
                {
                    seen.Add(c);
                    highest = Math.Max(highest, c);
                }
            }
        });
    }
}
