namespace Cpns.Benchmarks.Report;

/// <summary>One benchmark case as BenchmarkDotNet's full JSON export records it.</summary>
internal sealed record BenchmarkResult(
    string Type,
    string Method,
    IReadOnlyDictionary<string, string> Parameters,
    double MedianNs,
    double MinNs,
    double MaxNs,
    int Iterations,
    long? AllocatedBytes,
    string HardwareIntrinsics)
{
    public string Parameter(string name) => Parameters.TryGetValue(name, out var value) ? value : "";
}
