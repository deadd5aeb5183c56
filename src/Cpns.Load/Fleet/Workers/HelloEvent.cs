namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// The worker's first line: its process id, protocol version, and its Stopwatch frequency and a timestamp taken just
/// before writing, so that the bench process can check the clocks are one (a stored timestamp is compared with the
/// bench process's rotate request).
/// </summary>
internal sealed record HelloEvent(int ProcessId, int Version, long Frequency, long Timestamp) : FleetEvent
{
    public const int CurrentVersion = 1;
}
