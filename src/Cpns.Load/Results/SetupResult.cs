namespace Cpns.Load.Results;

/// <summary>What the run built before measuring: gateways, PNEs, groups, memberships, and how long it took.</summary>
internal sealed record SetupResult(int Gateways, int Pnes, int Groups, int Memberships, double FleetSeconds, double GroupSeconds);
