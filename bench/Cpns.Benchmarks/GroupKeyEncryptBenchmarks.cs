using BenchmarkDotNet.Attributes;
using Cpns.Crypto;

namespace Cpns.Benchmarks;

/// <summary>
/// The PN Gateway's side of a Group Key delivery (flow 6.x.y steps 4 and 5): scheme.Encrypt sorts
/// and checks the members, computes the cover, derives every subset key, wraps the GKEK in each
/// header entry and seals the Group Key with AES-256-GCM over the header.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class GroupKeyEncryptBenchmarks
{
    private KeyMaterialSet _keyMaterialSet = null!;
    private GroupKey _groupKey = null!;
    private BroadcastScheme _scheme = null!;
    private int[] _members = [];

    [ParamsAllValues]
    public EncryptScenario Scenario { get; set; }

    [ParamsAllValues]
    public BroadcastSchemeId Scheme { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (var height, _members) = Workload.Encryption(Scenario);
        _keyMaterialSet = KeyMaterialSet.Create(height);
        _groupKey = GroupKey.Create(Workload.GroupId, 1);
        _scheme = BroadcastScheme.Get(Scheme);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keyMaterialSet.Dispose();
        _groupKey.Dispose();
    }

    [Benchmark]
    public int Encrypt() => _scheme.Encrypt(_keyMaterialSet, _members, _groupKey, Workload.PnId).Header.Length;
}
