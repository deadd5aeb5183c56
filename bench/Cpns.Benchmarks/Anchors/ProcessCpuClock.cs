using System.Runtime.InteropServices;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// The process's CPU time (user + system, every thread) from clock_gettime(CLOCK_PROCESS_CPUTIME_ID), in
/// nanoseconds. The MLS side reads the same quantity through Node's process.cpuUsage, so both sides of
/// the comparison count CPU, not wall time: on a shared machine wall time also counts other processes.
/// </summary>
internal static partial class ProcessCpuClock
{
    private const int ClockProcessCpuTimeId = 2;

    public static long NowNs()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockProcessCpuTimeId, out var spec) == 0)
        {
            return (spec.Seconds * 1_000_000_000L) + spec.Nanoseconds;
        }

        // Elsewhere: the runtime's figure (coarser, but the same quantity).
        return (long)(Environment.CpuUsage.TotalTime.TotalMilliseconds * 1_000_000);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec spec);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
