using System.Globalization;
using System.Text.Json;

namespace Cpns.Benchmarks.Report;

/// <summary>Every case of every *-report-full.json in a BenchmarkDotNet results folder.</summary>
internal sealed class ResultSet
{
    private readonly List<BenchmarkResult> _results = [];

    public string RuntimeVersion { get; private set; } = "unknown";

    public string OsVersion { get; private set; } = "unknown";

    public string BenchmarkDotNetVersion { get; private set; } = "unknown";

    public int LogicalCores { get; private set; }

    public IReadOnlyList<BenchmarkResult> All => _results;

    public static ResultSet Load(string directory)
    {
        var set = new ResultSet();
        foreach (var file in Directory.GetFiles(directory, "*-report-full.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = document.RootElement;
            var host = root.GetProperty("HostEnvironmentInfo");
            set.RuntimeVersion = host.GetProperty("RuntimeVersion").GetString() ?? set.RuntimeVersion;
            set.OsVersion = host.GetProperty("OsVersion").GetString() ?? set.OsVersion;
            set.BenchmarkDotNetVersion = host.GetProperty("BenchmarkDotNetVersion").GetString() ?? set.BenchmarkDotNetVersion;
            set.LogicalCores = host.GetProperty("LogicalCoreCount").GetInt32();
            foreach (var benchmark in root.GetProperty("Benchmarks").EnumerateArray())
            {
                if (!benchmark.TryGetProperty("Statistics", out var statistics) || statistics.ValueKind != JsonValueKind.Object)
                {
                    continue; // A case that failed has no statistics; the report shows it as not run.
                }

                long? allocated = benchmark.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    ? memory.GetProperty("BytesAllocatedPerOperation").GetInt64()
                    : null;
                set._results.Add(new BenchmarkResult(
                    benchmark.GetProperty("Type").GetString()!,
                    benchmark.GetProperty("Method").GetString()!,
                    ParseParameters(benchmark.GetProperty("Parameters").GetString() ?? ""),
                    statistics.GetProperty("Median").GetDouble(),
                    statistics.GetProperty("Min").GetDouble(),
                    statistics.GetProperty("Max").GetDouble(),
                    statistics.GetProperty("N").GetInt32(),
                    allocated,
                    benchmark.TryGetProperty("HardwareIntrinsics", out var hw) ? hw.GetString() ?? "" : ""));
            }
        }

        return set;
    }

    /// <summary>The case of <paramref name="type"/>.<paramref name="method"/> whose parameters include all of <paramref name="parameters"/>.</summary>
    public BenchmarkResult? Find(string type, string method, params (string Name, object Value)[] parameters) =>
        _results.FirstOrDefault(r => r.Type == type && r.Method == method
            && parameters.All(p => r.Parameter(p.Name) == Convert.ToString(p.Value, CultureInfo.InvariantCulture)));

    // BenchmarkDotNet writes parameters as "A=1&B=x".
    private static Dictionary<string, string> ParseParameters(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return parameters;
    }
}
