using System.Globalization;
using Cpns.Crypto;
using ScottPlot;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// The PNG plots of bench/results (ScottPlot): header bytes against excluded PNEs, and rekey CPU time
/// against group size, Cpns against MLS. Log axes are drawn as log10 of the data with labelled ticks
/// (ScottPlot 5 has no native log axis).
/// </summary>
internal static class AnchorsPlots
{
    private const int Width = 1000;
    private const int Height = 640;

    public static void HeaderBytes(IReadOnlyList<HeaderPoint> points, string path)
    {
        ArgumentNullException.ThrowIfNull(points);
        var plot = new Plot();
        var assigned = points.Count > 0 ? points[0].Assigned : 0;
        foreach (var (scheme, label) in new[]
        {
            (BroadcastSchemeId.SubsetDifference, "Subset Difference"),
            (BroadcastSchemeId.CompleteSubtree, "Complete Subtree"),
            (BroadcastSchemeId.Direct, "Direct (one wrap per member)"),
        })
        {
            var series = points.Where(p => p.Scheme == scheme).ToArray();
            var line = plot.Add.Scatter(series.Select(p => (double)p.Excluded).ToArray(), series.Select(p => Math.Log10(p.Bytes)).ToArray());
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        var excluded = points.Select(p => p.Excluded).Distinct().Order().ToArray();
        var bound = plot.Add.Scatter(excluded.Select(r => (double)r).ToArray(), excluded.Select(r => Math.Log10(HeaderSeries.SdByteBound(r))).ToArray());
        bound.LegendText = "2r - 1 bound (SD entries, as header bytes)";
        bound.LinePattern = LinePattern.Dashed;
        bound.LineWidth = 2;
        bound.MarkerSize = 0;
        bound.Color = Colors.Black;

        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Broadcast header size, m = {assigned:N0} PNEs (h = {Math.Log2(Math.Max(assigned, 1)):F0}), r excluded at random"));
        plot.XLabel("excluded PNEs r");
        plot.YLabel("header bytes (log scale)");
        plot.Axes.Left.TickGenerator = LogTicks(v => Bytes(v));
        plot.Axes.SetLimitsX(0, excluded.Length > 0 ? excluded[^1] * 1.02 : 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    public static void RekeyCpu(IReadOnlyList<CpnsRekeyResult> cpns, MlsRun? mls, string path)
    {
        ArgumentNullException.ThrowIfNull(cpns);
        var plot = new Plot();
        void Series(string label, IEnumerable<(int N, double Ms)> data, LinePattern pattern)
        {
            var rows = data.OrderBy(d => d.N).ToArray();
            if (rows.Length == 0)
            {
                return;
            }

            var line = plot.Add.Scatter(rows.Select(r => Math.Log2(r.N)).ToArray(), rows.Select(r => Math.Log10(r.Ms)).ToArray());
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            line.LinePattern = pattern;
        }

        foreach (var (name, pns) in new (string, Func<int, int>)[] { ("1 PN", _ => 1), ("N/16 PNs", n => Math.Max(1, n / 16)), ("N PNs", n => n) })
        {
            Series($"Cpns, Subset Difference, {name}", cpns.Where(r => r.Scheme == nameof(BroadcastSchemeId.SubsetDifference) && r.Pns == pns(r.Members)).Select(r => (r.Members, r.TotalCpuNs / 1e6)), LinePattern.Solid);
        }

        Series("Cpns, Direct, 1 PN", cpns.Where(r => r.Scheme == nameof(BroadcastSchemeId.Direct) && r.Pns == 1).Select(r => (r.Members, r.TotalCpuNs / 1e6)), LinePattern.Dotted);
        if (mls is not null)
        {
            Series("MLS (ts-mls), members joined from the Welcome", mls.Results.Where(r => r.Variant == "welcome").Select(r => (r.Members, r.TotalCpuMs)), LinePattern.Dashed);
            Series("MLS (ts-mls), populated tree", mls.Results.Where(r => r.Variant == "populated").Select(r => (r.Members, r.TotalCpuMs)), LinePattern.Dashed);
        }

        var sizes = cpns.Select(r => r.Members).Distinct().Order().ToArray();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var n in sizes)
        {
            ticks.AddMajor(Math.Log2(n), n.ToString("N0", CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Left.TickGenerator = LogTicks(v => Millis(v));
        if (sizes.Length > 0)
        {
            plot.Axes.SetLimitsX(Math.Log2(sizes[0]) - 0.3, Math.Log2(sizes[^1]) + 0.3);
        }

        plot.Title("One rekey after a member leaves: produce + one member's processing (process CPU)");
        plot.XLabel("group size N (members)");
        plot.YLabel("CPU time per rekey (log scale)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width + 360, Height);
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks(Func<double, string> label) => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => label(Math.Pow(10, v)),
    };

    // Decimal units: the ticks sit on powers of ten.
    private static string Bytes(double value) => value switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e6:0.#} MB"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e3:0.#} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0} B"),
    };

    private static string Millis(double ms) => ms switch
    {
        >= 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.###} s"),
        >= 1 => string.Create(CultureInfo.InvariantCulture, $"{ms:0.###} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms * 1000:0.###} us"),
    };
}
