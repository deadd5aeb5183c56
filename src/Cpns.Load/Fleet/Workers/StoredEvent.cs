namespace Cpns.Load.Fleet.Workers;

/// <summary>A member PNE stored a group's epoch (the device's own callback) at a Stopwatch timestamp.</summary>
internal sealed record StoredEvent(string GroupId, ulong Epoch, long Timestamp) : FleetEvent;
