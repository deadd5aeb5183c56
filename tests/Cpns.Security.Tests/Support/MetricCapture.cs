using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// Listens to the named meters (System.Diagnostics.Metrics) and sums every long counter measurement by instrument
/// and tags. The tests run one at a time (AssemblyInfo.cs), so the sums are this test's own.
/// </summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, Dictionary<string, string> Tags, long Value)> _measurements = new();

    public MetricCapture(params string[] meterNames)
    {
        var names = meterNames.ToHashSet(StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (names.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value?.ToString() ?? string.Empty;
            }

            _measurements.Enqueue((instrument.Name, map, value));
        });
        _listener.Start();
    }

    /// <summary>The sum of the instrument's measurements whose tags include every given key=value.</summary>
    public long Sum(string instrument, params (string Key, string Value)[] tags) =>
        _measurements
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
            .Sum(m => m.Value);

    public string Dump() => string.Join("; ", _measurements.Select(m => m.Instrument + "{" + string.Join(",", m.Tags.Select(t => t.Key + "=" + t.Value)) + "}=" + m.Value));

    public void Dispose() => _listener.Dispose();
}
