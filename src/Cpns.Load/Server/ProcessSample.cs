namespace Cpns.Load.Server;

/// <summary>One reading of a process: seconds since the run started, resident set and open file descriptors.</summary>
internal sealed record ProcessSample(double Seconds, long ResidentBytes, int Handles);
