using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Cpns.Benchmarks;

/// <summary>
/// One short throughput job for every benchmark: one process, 3 warmup and 10 measured iterations,
/// so the whole suite stays well under 15 minutes on the 2-core reference machine. The full JSON
/// export is what the report step reads (it carries the median and allocations per operation).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("Short"));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddExporter(JsonExporter.Full);
    }
}
