namespace Cpns.Load.Fleet.Workers;

/// <summary>The answer to a <see cref="GrowCommand"/>: the gateways and PNEs the worker hosts now.</summary>
internal sealed record GrownEvent(int Id, int Gateways, int Pnes) : FleetEvent;
