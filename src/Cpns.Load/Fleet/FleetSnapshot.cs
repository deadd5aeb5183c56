namespace Cpns.Load.Fleet;

/// <summary>One reading of the whole fleet: each process hosting it (the bench process first), and their health summed.</summary>
internal sealed record FleetSnapshot(IReadOnlyList<FleetProcessUsage> Processes, FleetHealth Health)
{
    /// <summary>CPU seconds of every fleet process, the bench process included (it also runs the fleet's bookkeeping).</summary>
    public double CpuSeconds => Processes.Sum(p => p.CpuSeconds);

    public long ResidentBytes => Processes.Sum(p => p.ResidentBytes);

    /// <summary>Seconds the fleet processes' garbage collectors have paused them, summed over the processes.</summary>
    public double GcPauseSeconds => Processes.Sum(p => p.GcPauseSeconds);

    public int Gen2Collections => Processes.Sum(p => p.Gen2Collections);

    /// <summary>Bytes the fleet processes have allocated on their managed heaps, summed.</summary>
    public long AllocatedBytes => Processes.Sum(p => p.AllocatedBytes);
}
