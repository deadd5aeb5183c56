using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Cpns.Benchmarks;

/// <summary>
/// One short throughput job for every benchmark: one process, 3 warmup and 30 measured iterations
/// of about 100 ms, so the whole suite stays well under 15 minutes on the 2-core reference machine.
/// Short iterations give the median something to work with when other processes share the cores:
/// a 500 ms iteration almost always overlaps someone else's build there, a 100 ms one often does not.
/// The full JSON export is what the report step reads (median and allocations per operation).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(30)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithId("Short"));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddExporter(JsonExporter.Full);
    }
}
