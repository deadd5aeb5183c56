using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cpns.Crypto;

namespace Cpns.Benchmarks;

/// <summary>
/// One Subset Difference label step: AES-256 of two blocks under a key used only for them. Each call
/// keys with the previous call's output, as a label walk does, so no implementation can reuse a key
/// schedule. The baseline is the platform AES (OpenSSL on Linux) keyed per call; the ratio is what
/// AesBlock's AES-NI path buys.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class AesBlockBenchmarks
{
    private readonly byte[] _input = new byte[32];
    private readonly byte[] _state = new byte[32];
    private Aes _aes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _input[16] = 1;
        RandomNumberGenerator.Fill(_state);
        _aes = Aes.Create();
    }

    [GlobalCleanup]
    public void Cleanup() => _aes.Dispose();

    /// <summary>AesBlock.Encrypt, 2 blocks, key expansion included: the label-step primitive.</summary>
    [Benchmark(Description = "AesBlock.Encrypt (AES-NI)")]
    public byte AesNi()
    {
        AesBlock.Encrypt(_state, _input, _state);
        return _state[0];
    }

    /// <summary>System.Security.Cryptography.Aes reused: SetKey + EncryptEcb of 2 blocks.</summary>
    [Benchmark(Baseline = true, Description = "Aes SetKey + EncryptEcb")]
    public byte SystemAes()
    {
        _aes.SetKey(_state);
        _aes.EncryptEcb(_input, _state, PaddingMode.None);
        return _state[0];
    }

    /// <summary>AesBlock's portable path: Aes.Create + SetKey + EncryptEcb + Dispose, as on platforms without AES-NI.</summary>
    [Benchmark(Description = "Aes Create + SetKey + EncryptEcb")]
    public byte SystemAesCreate()
    {
        AesBlock.EncryptPortable(_state, _input, _state);
        return _state[0];
    }
}
