using ScottPlot;

namespace Cpns.Load.Results;

/// <summary>The PNG plots of the report (ScottPlot): latency and throughput of a sustained run, memory over time, growth.</summary>
internal static class PlotWriter
{
    private const int Width = 900;
    private const int Height = 500;

    /// <summary>Each rotation's latency (server commit to the last member's acknowledgement) against the time it was issued.</summary>
    public static string Latency(LoadReport report, string directory)
    {
        var sustained = report.Sustained!;
        var done = sustained.RotationLog.Where(r => r.ServerMs is not null).ToList();
        var plot = new Plot();
        var t0 = done.Count == 0 ? 0 : sustained.RotationLog.Min(r => r.SentSeconds);
        var points = plot.Add.ScatterPoints(done.Select(r => r.SentSeconds - t0).ToArray(), done.Select(r => r.ServerMs!.Value).ToArray());
        points.MarkerSize = 3;
        points.LegendText = "one rotation";
        var p50 = plot.Add.HorizontalLine(sustained.ServerMs.P50);
        p50.LegendText = $"p50 {sustained.ServerMs.P50:F0} ms";
        p50.LinePattern = LinePattern.Dashed;
        var p99 = plot.Add.HorizontalLine(sustained.ServerMs.P99);
        p99.LegendText = $"p99 {sustained.ServerMs.P99:F0} ms";
        p99.Color = Colors.Red;
        plot.Title($"{report.RunName}: rotation latency at {sustained.OfferedPerMinute:F0} rotations/min ({Describe(report)})");
        plot.XLabel("time since the first rotation (s)");
        plot.YLabel("commit -> last member acknowledged (ms)");
        plot.Axes.SetLimitsY(0, Math.Max(10, sustained.ServerMs.Max * 1.1));
        plot.ShowLegend(Alignment.UpperRight);
        return Save(plot, directory, $"load-{report.RunName}-latency.png");
    }

    /// <summary>Acknowledged PNE deliveries per second (by the server's report time) and rotations issued per second.</summary>
    public static string Throughput(LoadReport report, string directory)
    {
        var sustained = report.Sustained!;
        var plot = new Plot();
        var seconds = sustained.Seconds.Where(s => s.Second >= 0).ToList();
        var acked = Line(plot, seconds.Select(s => (double)s.Second).ToArray(), seconds.Select(s => (double)s.Acknowledged).ToArray(), $"acknowledged PNE deliveries/s (mean {sustained.AcknowledgedPerSecond:F0}/s)");
        var rotations = Line(plot, seconds.Select(s => (double)s.Second).ToArray(), seconds.Select(s => (double)s.Rotations).ToArray(), "rotations issued/s (right axis)");
        rotations.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "rotations/s";
        plot.Title($"{report.RunName}: throughput ({Describe(report)})");
        plot.XLabel("time since the first rotation (s)");
        plot.YLabel("acknowledged PNE deliveries per second");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, directory, $"load-{report.RunName}-throughput.png");
    }

    /// <summary>The server's resident set and open handles over the whole run.</summary>
    public static string Memory(LoadReport report, string directory)
    {
        var plot = new Plot();
        var samples = report.ServerSamples;
        var rss = Line(plot, samples.Select(s => s.Seconds).ToArray(), samples.Select(s => s.ResidentBytes / (1024.0 * 1024)).ToArray(), "server resident set (MiB)");
        var handles = Line(plot, samples.Select(s => s.Seconds).ToArray(), samples.Select(s => (double)s.Handles).ToArray(), "server open handles (right axis)");
        handles.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "handles";
        plot.Title($"{report.RunName}: server memory and handles over the run");
        plot.XLabel("time since the run started (s)");
        plot.YLabel("MiB");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, directory, $"load-{report.RunName}-memory.png");
    }

    /// <summary>Growth: fan-out time and p99 latency against gateways, and server memory against gateways.</summary>
    public static IReadOnlyList<string> Growth(LoadReport report, string directory)
    {
        var steps = report.Growth;
        var gateways = steps.Select(s => (double)s.Gateways).ToArray();
        var time = new Plot();
        // A step whose fan-out passed the rotation timeout is drawn at the timeout (a lower bound).
        var fan = time.Add.Scatter(gateways, steps.Select(s => s.FanOutIncomplete == 0 ? s.FanOutSeconds : report.Settings.RotationTimeoutSeconds).ToArray());
        fan.LegendText = "fan-out: all groups at once, until every member holds it (s; at the timeout if incomplete)";
        var p99 = time.Add.Scatter(gateways, steps.Select(s => s.P99Ms / 1000).ToArray());
        p99.LegendText = $"sustained p99 at {report.Settings.GrowthRotationsPerMinute:F0} rotations/min (s)";
        time.Title($"{report.RunName}: time vs gateways ({report.Settings.GrowthPnesPerGateway} PNEs each)");
        time.XLabel("gateways");
        time.YLabel("seconds");
        time.ShowLegend(Alignment.UpperLeft);

        var memory = new Plot();
        var server = memory.Add.Scatter(gateways, steps.Select(s => s.ServerMiB).ToArray());
        server.LegendText = "server resident set (MiB)";
        if (steps.Count >= 2)
        {
            var fit = LinearFit(steps.Select(s => ((double)s.Gateways, s.ServerMiB)).ToList());
            var line = memory.Add.Line(0, fit.Intercept, gateways[^1], fit.Intercept + (fit.Slope * gateways[^1]));
            line.LegendText = $"least squares: {fit.Intercept:F0} MiB + {fit.Slope * 1024:F0} KiB per gateway";
            line.LinePattern = LinePattern.Dashed;
        }

        var limit = memory.Add.HorizontalLine(1024);
        limit.LegendText = "target: 1 GiB";
        limit.Color = Colors.Red;
        memory.Title($"{report.RunName}: server memory vs gateways");
        memory.XLabel("gateways");
        memory.YLabel("MiB");
        memory.ShowLegend(Alignment.UpperLeft);
        return [Save(time, directory, $"load-{report.RunName}-time.png"), Save(memory, directory, $"load-{report.RunName}-memory-vs-gateways.png")];
    }

    internal static (double Intercept, double Slope) LinearFit(IReadOnlyList<(double X, double Y)> points)
    {
        var n = points.Count;
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        var slope = sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        return n == 0 ? (0, 0) : (my - (slope * mx), slope);
    }

    /// <summary>A line without markers: these series have a point per second or per sample.</summary>
    private static ScottPlot.Plottables.Scatter Line(Plot plot, double[] x, double[] y, string legend)
    {
        var line = plot.Add.Scatter(x, y);
        line.LegendText = legend;
        line.MarkerSize = 0;
        return line;
    }

    private static string Describe(LoadReport report) =>
        report.Setup is { } s ? $"{s.Gateways} gateways, {s.Pnes} PNEs, {s.Groups} groups" : "";

    private static string Save(Plot plot, string directory, string name)
    {
        var path = Path.Combine(directory, name);
        plot.SavePng(path, Width, Height);
        return name;
    }
}
