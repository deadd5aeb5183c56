using Cpns.Crypto;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="BroadcastScheme.TryDecrypt"/> of every scheme, the PNE's parser of broadcast headers and sealed keys:
/// it returns a status and never throws. Input layout: GKDK scheme (mod 3), leaf, wire scheme byte, suite (2 bytes,
/// big-endian), nonce length, sealed-key length, nonce, sealed key, then the header.
/// </summary>
internal sealed class BroadcastTarget : FuzzTarget
{
    private const int PrefixLength = 7;
    private static readonly BroadcastScheme[] Schemes = [BroadcastScheme.SubsetDifference, BroadcastScheme.CompleteSubtree, BroadcastScheme.Direct];
    private readonly KeyMaterialSet _keys = FixedKeys.KeyMaterialSet(FixedKeys.BroadcastHeight);
    private readonly Dictionary<(int Scheme, int Leaf), Gkdk> _gkdks = [];

    public override string Name => "broadcast";

    public override string Description => "BroadcastScheme.TryDecrypt for SD, CS and Direct (a status, no exception; success only with the real key)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < PrefixLength)
        {
            return;
        }

        var scheme = input[0] % Schemes.Length;
        var gkdk = Gkdk(scheme, input[1]);
        var rest = input[PrefixLength..];
        var nonceLength = Math.Min(input[5], rest.Length);
        var sealedLength = Math.Min(input[6], rest.Length - nonceLength);
        var broadcast = new GroupKeyBroadcast(
            (BroadcastSchemeId)input[2],
            (CipherSuite)((input[3] << 8) | input[4]),
            FixedKeys.PnId,
            FixedKeys.GroupId,
            1,
            rest[(nonceLength + sealedLength)..].ToArray(),
            rest[..nonceLength].ToArray(),
            rest.Slice(nonceLength, sealedLength).ToArray());
        _ = broadcast.HeaderEntryCount;
        var status = Schemes[scheme].TryDecrypt(gkdk, broadcast, out var groupKey);
        Check(Enum.IsDefined(status), "TryDecrypt returns a defined status");
        Check((status == BroadcastDecryptStatus.Success) == (groupKey is not null), "a Group Key comes with Success only");
        groupKey?.Dispose();
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        using var groupKey = GroupKey.Import(FixedKeys.GroupId, 1, FixedKeys.Bytes(GroupKey.KeySize, 0x11));
        int[][] memberSets = [[3], [0, 1, 2, 3, 200], [.. Enumerable.Range(0, 256).Where(l => l % 5 != 0)], [.. Enumerable.Range(0, 256)]];
        for (var s = 0; s < Schemes.Length; s++)
        {
            for (var m = 0; m < memberSets.Length; m++)
            {
                // Direct's header grows by 33 bytes a member: keep its seeds small.
                if (s == 2 && memberSets[m].Length > 8)
                {
                    continue;
                }

                var broadcast = Schemes[s].Encrypt(_keys, memberSets[m], groupKey, FixedKeys.PnId);
                yield return new($"valid-{Schemes[s].Id}-members{memberSets[m].Length}-leaf{memberSets[m][0]}", Encode(s, memberSets[m][0], broadcast));
                yield return new($"valid-{Schemes[s].Id}-members{memberSets[m].Length}-outsider", Encode(s, 255 - (m == 3 ? 0 : 1), broadcast));
            }
        }

        yield return new("edge-empty-header", [0, 0, 1, 0, 1, 12, 48, .. new byte[60]]);
        yield return new("edge-huge-count", [0, 0, 1, 0, 1, 12, 48, .. new byte[60], 1, 1, 8, 0x7F, 0xFF, 0xFF, 0xFF]);
    }

    private static byte[] Encode(int scheme, int leaf, GroupKeyBroadcast broadcast) =>
    [
        (byte)scheme,
        (byte)leaf,
        (byte)broadcast.Scheme,
        (byte)((ushort)broadcast.Suite >> 8),
        (byte)broadcast.Suite,
        (byte)broadcast.Nonce.Length,
        (byte)broadcast.SealedKey.Length,
        .. broadcast.Nonce.Span,
        .. broadcast.SealedKey.Span,
        .. broadcast.Header.Span,
    ];

    private Gkdk Gkdk(int scheme, int leaf)
    {
        if (!_gkdks.TryGetValue((scheme, leaf), out var gkdk))
        {
            gkdk = Schemes[scheme].DeriveGkdk(_keys, leaf);
            _gkdks.Add((scheme, leaf), gkdk);
        }

        return gkdk;
    }
}
