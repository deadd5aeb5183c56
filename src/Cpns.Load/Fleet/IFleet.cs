namespace Cpns.Load.Fleet;

/// <summary>
/// The simulated gateways and PNEs of a run, wherever they are hosted: in the bench process (<see cref="SimulatedFleet"/>)
/// or spread over worker processes (<see cref="Workers.ProcessFleet"/>) when one process's descriptor limit cannot hold them.
/// The scenarios see only this.
/// </summary>
internal interface IFleet : IAsyncDisposable
{
    /// <summary>Every member PNE's store of an epoch, with the time it happened (a Stopwatch timestamp of this machine).</summary>
    public EpochTracker Tracker { get; }

    /// <summary>Processes that host gateways (1 when they run in the bench process).</summary>
    public int Processes { get; }

    public int PneCount { get; }

    /// <summary>Cancelled when the fleet can no longer be trusted (a worker process died or broke the protocol).</summary>
    public CancellationToken Faulted { get; }

    /// <summary>Why <see cref="Faulted"/> was cancelled, or null.</summary>
    public string? Failure { get; }

    /// <summary>
    /// Starts gateways up to <paramref name="gateways"/> in all, each with <paramref name="pnesPerGateway"/> paired PNEs,
    /// then waits until the server's inventory lists every new PNE (members can be added only then).
    /// </summary>
    public Task GrowAsync(int gateways, int pnesPerGateway, int parallelism, ILoadProgress progress, CancellationToken cancellationToken);

    /// <summary>CPU time, memory and descriptors of every process hosting the fleet, and what went wrong in them so far.</summary>
    public Task<FleetSnapshot> SnapshotAsync(CancellationToken cancellationToken);
}
