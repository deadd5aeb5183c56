namespace Cpns.Load.Fleet.Workers;

/// <summary>Steps of a grow done: one per gateway started with its PNEs paired, one per gateway the server lists with all its PNEs.</summary>
internal sealed record ProgressEvent(int Steps) : FleetEvent;
