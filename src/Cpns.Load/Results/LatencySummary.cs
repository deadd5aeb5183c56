namespace Cpns.Load.Results;

/// <summary>Percentiles of a set of latencies, in milliseconds (nearest-rank).</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        return new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
