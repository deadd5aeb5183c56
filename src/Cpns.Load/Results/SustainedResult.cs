namespace Cpns.Load.Results;

/// <summary>
/// Rotations at a fixed rate for a fixed time; the latencies of its own rotations and whether every one of their
/// deliveries was acknowledged; the throughput of acknowledgements landing in the window, whichever rotation they
/// belong to; and the CPU time the server and the fleet spent per PNE delivery acknowledged from the window's start to
/// the drain (to the window's end, for a warm-up), and over the same span the time the fleet processes' garbage
/// collectors held them paused, their gen2 collections and the KiB their managed heaps allocated per delivery (0 in runs
/// recorded before these were measured).
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
    IReadOnlyList<RotationRecord> RotationLog,
    double FleetGcPauseSeconds = 0,
    int FleetGen2Collections = 0,
    double FleetAllocatedKiBPerDelivery = 0);
