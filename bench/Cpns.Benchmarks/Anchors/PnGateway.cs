using System.Globalization;
using System.Text;
using Cpns.Crypto;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// One PN of the rekey workload: its gateway's key material set and per-gateway key (the server holds
/// the same key sealed at rest), and the group's members in it with their leaves.
/// </summary>
internal sealed class PnGateway : IDisposable
{
    public PnGateway(int pn, int[] memberLeaves, WrappingKey serverAtRest)
    {
        Pn = pn;
        Id = string.Create(CultureInfo.InvariantCulture, $"gw-{pn:D5}");
        PnId = string.Create(CultureInfo.InvariantCulture, $"pn-{pn:D5}");
        Leaves = memberLeaves;
        MemberIds = [.. memberLeaves.Select(leaf => string.Create(CultureInfo.InvariantCulture, $"pne-{pn:D5}-{leaf:D5}"))];
        LeafOf = MemberIds.Zip(memberLeaves).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        KeyMaterial = KeyMaterialSet.Create(CpnsRekey.Height);
        GatewayKey = WrappingKey.Create();
        AtRestLabel = Encoding.UTF8.GetBytes("bench/gateway-key/" + Id);
        Span<byte> key = stackalloc byte[WrappingKey.KeySize];
        GatewayKey.Export(key);
        SealedKeyAtServer = serverAtRest.Seal(key, AtRestLabel);
        key.Clear();
    }

    public int Pn { get; }

    public string Id { get; }

    public string PnId { get; }

    public int[] Leaves { get; }

    public string[] MemberIds { get; }

    public Dictionary<string, int> LeafOf { get; }

    public KeyMaterialSet KeyMaterial { get; }

    /// <summary>The gateway's copy of its per-gateway key.</summary>
    public WrappingKey GatewayKey { get; }

    /// <summary>The server's copy, sealed at rest.</summary>
    public byte[] SealedKeyAtServer { get; }

    public byte[] AtRestLabel { get; }

    public void Dispose()
    {
        KeyMaterial.Dispose();
        GatewayKey.Dispose();
    }
}
