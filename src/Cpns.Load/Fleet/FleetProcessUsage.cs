namespace Cpns.Load.Fleet;

/// <summary>
/// One process of the fleet at one moment: "bench" (the process that runs the scenarios) or "worker N"; the gateways and
/// PNEs it hosts, the CPU time it has used (user + system seconds), its resident set and open descriptors, and the time
/// its garbage collector has held its threads paused and its gen2 collections so far (a stalled fleet answers late, and
/// that shows in the latencies, not in the server), and the bytes it has allocated on the managed heap so far.
/// </summary>
internal sealed record FleetProcessUsage(string Role, int ProcessId, int Gateways, int Pnes, double CpuSeconds, long ResidentBytes, int Handles, double GcPauseSeconds = 0, int Gen2Collections = 0, long AllocatedBytes = 0)
{
    /// <summary>Reads this process (procfs; zeros where it cannot be read).</summary>
    public static FleetProcessUsage OfThisProcess(string role, int gateways, int pnes)
    {
        var sample = Server.ProcessSampler.Read(Environment.ProcessId, 0);
        return new FleetProcessUsage(
            role, Environment.ProcessId, gateways, pnes, sample?.CpuSeconds ?? 0, sample?.ResidentBytes ?? 0, sample?.Handles ?? 0,
            GC.GetTotalPauseDuration().TotalSeconds, GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
    }
}
