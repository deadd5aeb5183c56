namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// Median process CPU time of an operation: batches of repetitions long enough (about 20 ms of CPU) for the
/// clock, a few warm-up batches first so the JIT has tiered up, the median batch reported per operation.
/// </summary>
internal static class CpuMeasure
{
    private const long BatchTargetNs = 20_000_000;

    public static double MedianNs(Action operation, int batches = 9)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var start = ProcessCpuClock.NowNs();
        var calls = 0;
        do
        {
            operation();
            calls++;
        }
        while (ProcessCpuClock.NowNs() - start < 2 * BatchTargetNs);

        var perCall = (double)(ProcessCpuClock.NowNs() - start) / calls;
        var repetitions = (int)Math.Clamp(BatchTargetNs / Math.Max(perCall, 1), 1, 1_000_000);
        var samples = new double[batches];
        for (var b = 0; b < batches; b++)
        {
            var t0 = ProcessCpuClock.NowNs();
            for (var i = 0; i < repetitions; i++)
            {
                operation();
            }

            samples[b] = (double)(ProcessCpuClock.NowNs() - t0) / repetitions;
        }

        Array.Sort(samples);
        return samples[batches / 2];
    }
}
