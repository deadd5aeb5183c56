namespace Cpns.Load.Server;

/// <summary>
/// One reading of a process: seconds since the run started, resident set, open file descriptors, and the CPU time it
/// has used so far (user + system, seconds) — on a shared machine CPU time per delivery holds up where wall time does not.
/// </summary>
internal sealed record ProcessSample(double Seconds, long ResidentBytes, int Handles, double CpuSeconds = 0);
