namespace Cpns.Load.Fleet.Workers;

/// <summary>Report CPU time, memory, descriptors and health now; answered by <see cref="UsageEvent"/>.</summary>
internal sealed record UsageCommand(int Id) : FleetCommand;
