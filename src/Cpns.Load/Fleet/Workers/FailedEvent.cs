namespace Cpns.Load.Fleet.Workers;

/// <summary>A command failed (the worker keeps running; the bench process ends the run with this message).</summary>
internal sealed record FailedEvent(int Id, string Error) : FleetEvent;
