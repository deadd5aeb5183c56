namespace Cpns.Load;

/// <summary>The scenarios of <c>cpns bench load</c>.</summary>
internal enum LoadScenario
{
    /// <summary>One rotation of every group at once: time until every member PNE holds the new epoch.</summary>
    FanOut,

    /// <summary>Rotations at a fixed rate for a fixed time: latency percentiles and acknowledged deliveries per second.</summary>
    Sustained,

    /// <summary>Gateways doubling from a start count: fan-out time, sustained latency and server memory at each step.</summary>
    Growth,
}
