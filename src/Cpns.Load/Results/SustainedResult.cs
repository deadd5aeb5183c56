namespace Cpns.Load.Results;

/// <summary>Rotations at a fixed rate for a fixed time; latencies, throughput, and whether every delivery was acknowledged.</summary>
internal sealed record SustainedResult(
    double OfferedPerMinute,
    double AchievedPerMinute,
    double DurationSeconds,
    int Rotations,
    int SkippedBusy,
    int Failed,
    long ExpectedDeliveries,
    long AcknowledgedDeliveries,
    double AcknowledgedPerSecond,
    double DrainSeconds,
    LatencySummary ServerMs,
    LatencySummary ClientMs,
    IReadOnlyList<SecondBucket> Seconds,
    IReadOnlyList<RotationRecord> RotationLog);
