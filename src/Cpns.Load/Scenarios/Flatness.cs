using Cpns.Load.Results;
using Cpns.Load.Server;

namespace Cpns.Load.Scenarios;

/// <summary>
/// The soak's verdict on the server's resident set and handles (docs in bench/results/load.md, "Soak"). The first
/// fifth of the run (at least 5 s) is warm-up: JIT, connection pools, SQLite's page cache and the GC's gen0 budget
/// settle there. The rest is cut in thirds; flat means the last third's median resident set is at most the first
/// third's times (1 + fraction) plus a constant, and its median handle count at most the first third's plus a constant.
/// Medians, because a GC's sawtooth puts single samples anywhere between the troughs and the peaks.
/// </summary>
internal static class Flatness
{
    public static FlatnessResult Evaluate(IReadOnlyList<ProcessSample> samples, double start, LoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var duration = samples.Count == 0 ? 0 : samples[^1].Seconds - start;
        var warmup = Math.Max(5, duration / 5);
        var steady = samples.Where(s => s.Seconds >= start + warmup).ToList();
        if (steady.Count < 6)
        {
            return new FlatnessResult(warmup, steady.Count, 0, 0, 0, 0, 0, 0, false, $"too few samples after warm-up ({steady.Count}); run longer");
        }

        var third = steady.Count / 3;
        var first = steady.Take(third).ToList();
        var last = steady.Skip(steady.Count - third).ToList();
        var firstMiB = GrowthScenario.Median(first.Select(s => s.ResidentBytes / (1024.0 * 1024)));
        var lastMiB = GrowthScenario.Median(last.Select(s => s.ResidentBytes / (1024.0 * 1024)));
        var firstHandles = GrowthScenario.Median(first.Select(s => (double)s.Handles));
        var lastHandles = GrowthScenario.Median(last.Select(s => (double)s.Handles));
        var memoryBound = (firstMiB * (1 + settings.FlatMemoryFraction)) + settings.FlatMemoryMiB;
        var handleBound = firstHandles + settings.FlatHandles;
        var memoryFlat = lastMiB <= memoryBound;
        var handlesFlat = lastHandles <= handleBound;
        var verdict = (memoryFlat, handlesFlat) switch
        {
            (true, true) => "flat",
            (false, true) => $"memory grew: {firstMiB:F0} -> {lastMiB:F0} MiB (bound {memoryBound:F0})",
            (true, false) => $"handles grew: {firstHandles:F0} -> {lastHandles:F0} (bound {handleBound:F0})",
            _ => $"memory and handles grew: {firstMiB:F0} -> {lastMiB:F0} MiB, {firstHandles:F0} -> {lastHandles:F0} handles",
        };
        return new FlatnessResult(warmup, steady.Count, firstMiB, lastMiB, memoryBound, firstHandles, lastHandles, handleBound, memoryFlat && handlesFlat, verdict);
    }
}
