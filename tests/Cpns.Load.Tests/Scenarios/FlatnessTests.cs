using Cpns.Load.Scenarios;
using Cpns.Load.Server;

namespace Cpns.Load.Tests.Scenarios;

public sealed class FlatnessTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Evaluate_SawtoothAroundALevel_IsFlat()
    {
        // A GC sawtooth between 200 and 240 MiB, handles steady.
        var samples = Enumerable.Range(0, 60).Select(i => new ProcessSample(i, (200 + (i % 5 * 10)) * MiB, 120 + (i % 2))).ToList();

        var result = Flatness.Evaluate(samples, 0, new LoadSettings());

        Assert.True(result.Flat, result.Verdict);
        Assert.Equal(59 / 5.0, result.WarmupSeconds, 6);
    }

    [Fact]
    public void Evaluate_MemoryGrowingOneMiBASecond_IsNotFlat()
    {
        var samples = Enumerable.Range(0, 120).Select(i => new ProcessSample(i, (200 + i) * MiB, 120)).ToList();

        var result = Flatness.Evaluate(samples, 0, new LoadSettings());

        Assert.False(result.Flat);
        Assert.StartsWith("memory grew", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_HandlesLeaking_IsNotFlat()
    {
        var samples = Enumerable.Range(0, 60).Select(i => new ProcessSample(i, 200 * MiB, 120 + i)).ToList();

        var result = Flatness.Evaluate(samples, 0, new LoadSettings());

        Assert.False(result.Flat);
        Assert.StartsWith("handles grew", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WarmupGrowthOnly_IsFlat()
    {
        // Caches fill in the first seconds, then the level holds.
        var samples = Enumerable.Range(0, 60).Select(i => new ProcessSample(i, (i < 8 ? 100 + (i * 20) : 260) * MiB, i < 8 ? 100 + i : 110)).ToList();

        Assert.True(Flatness.Evaluate(samples, 0, new LoadSettings()).Flat);
    }

    [Fact]
    public void Evaluate_TooFewSamples_IsNotFlat()
    {
        var samples = Enumerable.Range(0, 8).Select(i => new ProcessSample(i, 200 * MiB, 120)).ToList();

        Assert.False(Flatness.Evaluate(samples, 0, new LoadSettings()).Flat);
    }
}
