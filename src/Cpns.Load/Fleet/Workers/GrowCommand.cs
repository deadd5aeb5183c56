namespace Cpns.Load.Fleet.Workers;

/// <summary>Start the gateways of these indexes, pair their PNEs, wait until the server lists them; answered by <see cref="GrownEvent"/> or <see cref="FailedEvent"/>.</summary>
internal sealed record GrowCommand(int Id, IReadOnlyList<int> Gateways, int PnesPerGateway, int Parallelism) : FleetCommand;
