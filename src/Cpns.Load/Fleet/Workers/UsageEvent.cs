namespace Cpns.Load.Fleet.Workers;

/// <summary>The answer to a <see cref="UsageCommand"/>.</summary>
internal sealed record UsageEvent(int Id, FleetProcessUsage Usage, FleetHealth Health) : FleetEvent;
