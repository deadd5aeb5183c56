using System.Globalization;

namespace Cpns.Benchmarks.Report;

/// <summary>
/// How busy the machine was while the benchmarks ran, from the two snapshots scripts/bench.sh
/// writes: load averages and the kernel's CPU pressure counter (/proc/pressure/cpu "some": the
/// time during which at least one runnable task waited for a CPU). On a shared 2-core VM other
/// processes inflate absolute times; ratios against a floor measured in the same run hold up better.
/// </summary>
internal sealed record HostLoad(long StartSeconds, string StartLoad, long? StartStallUs, long EndSeconds, string EndLoad, long? EndStallUs)
{
    public static HostLoad? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string[]? start = null, end = null;
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[0] == "start")
            {
                start = fields;
            }
            else if (fields.Length == 6 && fields[0] == "end")
            {
                end = fields;
            }
        }

        if (start is null || end is null)
        {
            return null;
        }

        return new HostLoad(
            long.Parse(start[1], CultureInfo.InvariantCulture), $"{start[2]} / {start[3]} / {start[4]}", Stall(start[5]),
            long.Parse(end[1], CultureInfo.InvariantCulture), $"{end[2]} / {end[3]} / {end[4]}", Stall(end[5]));
    }

    public string Describe(int cores)
    {
        var wall = Math.Max(1, EndSeconds - StartSeconds);
        var stall = StartStallUs is { } s && EndStallUs is { } e
            ? string.Create(CultureInfo.InvariantCulture, $"; some runnable task was waiting for a CPU during {(e - s) / 1e6 / wall:P0} of it (/proc/pressure/cpu)")
            : "";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"**Host load:** the run took {wall / 60.0:F1} min; load average (1 / 5 / 15 min) {StartLoad} at the start and {EndLoad} at the end on {cores} cores{stall}. Other processes on the machine inflate absolute times; the ratios against floors and baselines measured in the same run are the steadier comparison.");
    }

    private static long? Stall(string field) =>
        long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
