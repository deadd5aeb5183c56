using Cpns.Load.Fleet;
using Cpns.Load.Server;

namespace Cpns.Load.Results;

/// <summary>
/// The result of one run of <c>cpns bench load</c> (what <c>--json</c> prints and load-NAME.json holds).
/// <see cref="FleetProcesses"/> is how many processes hosted the gateways (0 in runs from before it was recorded: 1);
/// <see cref="FleetUsage"/> each fleet process at the end of the run (null in those runs); <see cref="Warmup"/> the
/// sustained rotations run before the measured ones (<see cref="LoadSettings.WarmupSeconds"/>), null without.
/// </summary>
internal sealed record LoadReport(
    string RunName,
    DateTime StartedAtUtc,
    string Machine,
    string ServerMode,
    LoadSettings Settings,
    SetupResult? Setup,
    FanOutResult? FanOut,
    SustainedResult? Sustained,
    IReadOnlyList<GrowthStep> Growth,
    string? GrowthStoppedBecause,
    FlatnessResult? Flatness,
    HealthResult Health,
    IReadOnlyList<ProcessSample> ServerSamples,
    IReadOnlyList<ProcessSample> LoadSamples,
    double TotalSeconds,
    int FleetProcesses,
    IReadOnlyList<FleetProcessUsage>? FleetUsage,
    SustainedResult? Warmup = null)
{
    /// <summary>Every delivery of the measured scenarios was acknowledged and nothing went wrong (and, when asked, memory stayed flat).</summary>
    public bool Passed =>
        Health.Clean
        && (FanOut is null || FanOut.Incomplete == 0)
        && (Sustained is null || (Sustained.Failed == 0 && Sustained.AcknowledgedDeliveries == Sustained.ExpectedDeliveries))
        && (Warmup is null || (Warmup.Failed == 0 && Warmup.AcknowledgedDeliveries == Warmup.ExpectedDeliveries))
        && Growth.All(g => g.FanOutIncomplete == 0 && g.AcknowledgedDeliveries == g.ExpectedDeliveries)
        && (Flatness is null || Flatness.Flat);
}
