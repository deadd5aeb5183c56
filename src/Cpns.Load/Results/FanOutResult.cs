namespace Cpns.Load.Results;

/// <summary>
/// One rotation of every group at once: from the first rotate request to the last member PNE's store of its new
/// epoch (<see cref="Seconds"/>), and each group's own time (request to its last member).
/// </summary>
internal sealed record FanOutResult(int Groups, int Gateways, int Deliveries, double Seconds, double DeliveriesPerSecond, LatencySummary GroupMs, int Incomplete);
