namespace Cpns.Load.Results;

/// <summary>
/// Rotations at a fixed rate for a fixed time; latencies, throughput, whether every delivery was acknowledged, and the
/// CPU time the server and the fleet process spent per acknowledged PNE delivery (from the first rotation to the drain).
/// </summary>
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
    double ServerCpuMsPerDelivery,
    double FleetCpuMsPerDelivery,
    LatencySummary ServerMs,
    LatencySummary ClientMs,
    IReadOnlyList<SecondBucket> Seconds,
    IReadOnlyList<RotationRecord> RotationLog);
