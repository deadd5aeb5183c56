using BenchmarkDotNet.Attributes;
using Cpns.Crypto;

namespace Cpns.Benchmarks;

/// <summary>
/// GKDK assignment (flow 6.1.2.2 step 4): the PN Gateway derives one PNE's GKDK from its key
/// material set. Subset Difference does h node-label derivations and h(h+1)/2 G_L/G_R pairs, the
/// same for every leaf, so one leaf stands for all.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class GkdkDerivationBenchmarks
{
    private KeyMaterialSet _keyMaterialSet = null!;
    private int _leaf;

    [Params(16, 20)]
    public int Height { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keyMaterialSet = KeyMaterialSet.Create(Height);
        _leaf = _keyMaterialSet.Capacity / 3;
    }

    [GlobalCleanup]
    public void Cleanup() => _keyMaterialSet.Dispose();

    [Benchmark(Baseline = true)]
    public int SubsetDifference() => Derive(BroadcastScheme.SubsetDifference);

    [Benchmark]
    public int CompleteSubtree() => Derive(BroadcastScheme.CompleteSubtree);

    [Benchmark]
    public int Direct() => Derive(BroadcastScheme.Direct);

    private int Derive(BroadcastScheme scheme)
    {
        using var gkdk = scheme.DeriveGkdk(_keyMaterialSet, _leaf);
        return gkdk.KeyCount;
    }
}
