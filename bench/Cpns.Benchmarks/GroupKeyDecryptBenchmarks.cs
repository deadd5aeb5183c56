using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Cpns.Crypto;

namespace Cpns.Benchmarks;

/// <summary>
/// A PNE opening a Group Key broadcast (flow 6.x.y step 8) with its GKDK. The broadcast is realistic:
/// m = 1,024 assigned PNEs (leaves 0..1023), 10% excluded at random. The decrypting PNE is the
/// Subset Difference member whose derivation takes the most label steps (ties: the later header
/// entry); the same PNE decrypts the Complete Subtree and Direct broadcasts of the same members.
/// <see cref="Floor"/> is the unavoidable cryptography of that Subset Difference decryption measured
/// in the same run: the same AesBlock.Encrypt calls (one 2-block call per label step, G_M, the entry
/// pad) and one AES-256-GCM open of 32 bytes with a new key over associated data as long as the
/// broadcast's (the header is authenticated, so hashing it is part of the floor).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class GroupKeyDecryptBenchmarks
{
    // AesBlock inputs with the shapes LabelPrg and the header-entry pad use: 2 blocks each.
    private static readonly byte[] LeftConstants = Constants(0);
    private static readonly byte[] MiddleConstants = Constants(2);
    private static readonly byte[] RightConstants = Constants(4);

    // Indexed by the scheme id, so the measured call does no lookup.
    private readonly (Gkdk Gkdk, GroupKeyBroadcast Broadcast)[] _cases = new (Gkdk, GroupKeyBroadcast)[4];
    private KeyMaterialSet _keyMaterialSet = null!;
    private GroupKey _groupKey = null!;

    // Floor state.
    private bool[] _directions = [];
    private readonly byte[] _startLabel = new byte[32];
    private readonly byte[] _counters = new byte[32];
    private readonly byte[] _gcmKey = new byte[32];
    private readonly byte[] _nonce = new byte[GroupKeyBroadcast.NonceSize];
    private readonly byte[] _ciphertext = new byte[GroupKey.KeySize];
    private readonly byte[] _tag = new byte[16];
    private byte[] _associatedData = [];

    [Params(16, 20)]
    public int Height { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var members = Workload.SmallPnMembers();
        var worst = Workload.WorstSdMember(Height, members);
        _keyMaterialSet = KeyMaterialSet.Create(Height);
        _groupKey = GroupKey.Create(Workload.GroupId, 1);
        foreach (var id in Enum.GetValues<BroadcastSchemeId>())
        {
            var scheme = BroadcastScheme.Get(id);
            var broadcast = scheme.Encrypt(_keyMaterialSet, members, _groupKey, Workload.PnId);
            var gkdk = scheme.DeriveGkdk(_keyMaterialSet, worst.Leaf);
            if (scheme.TryDecrypt(gkdk, broadcast, out var opened) != BroadcastDecryptStatus.Success || opened is null || !opened.KeyEquals(_groupKey))
            {
                throw new InvalidOperationException($"{id}: the chosen member cannot open the broadcast.");
            }

            opened.Dispose();
            _cases[(int)id] = (gkdk, broadcast);
        }

        // The floor walks the same branch bits toward j that the member walks.
        var j = Workload.CoverOf(BroadcastScheme.SubsetDifference, Height, members)[worst.EntryIndex].B;
        _directions = new bool[worst.LabelSteps];
        for (var s = 0; s < worst.LabelSteps; s++)
        {
            _directions[s] = ((j >> (worst.LabelSteps - 1 - s)) & 1) == 1;
        }

        RandomNumberGenerator.Fill(_startLabel);
        RandomNumberGenerator.Fill(_gcmKey);
        RandomNumberGenerator.Fill(_nonce);
        _nonce.CopyTo(_counters, 0);
        _nonce.CopyTo(_counters, 16);
        _counters[31] = 1;
        var header = _cases[(int)BroadcastSchemeId.SubsetDifference].Broadcast.Header;
        _associatedData = new byte[AssociatedDataLength(header.Length)];
        RandomNumberGenerator.Fill(_associatedData);
        var plain = new byte[GroupKey.KeySize];
        using var aead = new AesGcm(_gcmKey, 16);
        aead.Encrypt(_nonce, plain, _ciphertext, _tag, _associatedData);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (gkdk, _) in _cases)
        {
            gkdk?.Dispose();
        }

        _keyMaterialSet.Dispose();
        _groupKey.Dispose();
    }

    [Benchmark]
    public BroadcastDecryptStatus SubsetDifference() => Decrypt(BroadcastSchemeId.SubsetDifference);

    [Benchmark]
    public BroadcastDecryptStatus CompleteSubtree() => Decrypt(BroadcastSchemeId.CompleteSubtree);

    [Benchmark]
    public BroadcastDecryptStatus Direct() => Decrypt(BroadcastSchemeId.Direct);

    /// <summary>The raw cryptography of <see cref="SubsetDifference"/>, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public byte Floor()
    {
        Span<byte> label = stackalloc byte[32];
        Span<byte> key = stackalloc byte[32];
        Span<byte> pad = stackalloc byte[32];
        Span<byte> plain = stackalloc byte[GroupKey.KeySize];
        _startLabel.CopyTo(label);
        foreach (var right in _directions)
        {
            AesBlock.Encrypt(label, right ? RightConstants : LeftConstants, label);
        }

        AesBlock.Encrypt(label, MiddleConstants, key);
        AesBlock.Encrypt(key, _counters, pad);
        using var aead = new AesGcm(_gcmKey, 16);
        aead.Decrypt(_nonce, _ciphertext, _tag, plain, _associatedData);
        return (byte)(plain[0] ^ pad[0]);
    }

    /// <summary>The length of BroadcastScheme's associated data: label, suite, scheme, PN, group, epoch, header.</summary>
    internal static int AssociatedDataLength(int headerLength) =>
        "cpns/v1/gk-broadcast".Length + 2 + 1 + 2 + Encoding.UTF8.GetByteCount(Workload.PnId)
        + 2 + Encoding.UTF8.GetByteCount(Workload.GroupId) + 8 + headerLength;

    private static byte[] Constants(byte first)
    {
        var input = new byte[32];
        input[0] = first;
        input[16] = (byte)(first + 1);
        return input;
    }

    private BroadcastDecryptStatus Decrypt(BroadcastSchemeId id)
    {
        var (gkdk, broadcast) = _cases[(int)id];
        var status = BroadcastScheme.Get(id).TryDecrypt(gkdk, broadcast, out var groupKey);
        groupKey?.Dispose();
        return status;
    }
}
