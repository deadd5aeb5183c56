using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cpns.Crypto;

namespace Cpns.Server.Gateways;

/// <summary>
/// The end-to-end wrap of a Group Key for one gateway (docs/architecture.md, "Secrets end to end"):
/// <c>wrapped_group_key = gatewayKey.Seal(gk, AD)</c>, 60 bytes (nonce 12, key 32, tag 16), with
/// AD = UTF-8 <c>"cpns/v1/gk-to-gateway"</c> ‖ u16 BE length ‖ gateway id (UTF-8) ‖ u16 BE length ‖ group id (UTF-8,
/// exactly the notification's <c>group_id</c>) ‖ u64 BE epoch. Binding all three means a wrapped key replayed to
/// another gateway, group or epoch does not open.
/// </summary>
internal static class GroupKeyWrap
{
    public const int WrappedLength = 32 + WrappingKey.Overhead;

    private static ReadOnlySpan<byte> Label => "cpns/v1/gk-to-gateway"u8;

    public static byte[] AssociatedData(string gatewayId, string groupId, ulong epoch)
    {
        ArgumentNullException.ThrowIfNull(gatewayId);
        ArgumentNullException.ThrowIfNull(groupId);
        var gw = Encoding.UTF8.GetBytes(gatewayId);
        var group = Encoding.UTF8.GetBytes(groupId);
        if (gw.Length > ushort.MaxValue || group.Length > ushort.MaxValue)
        {
            throw new ArgumentException("An identifier is longer than 65535 bytes.");
        }

        var ad = new byte[Label.Length + 2 + gw.Length + 2 + group.Length + 8];
        var span = ad.AsSpan();
        Label.CopyTo(span);
        span = span[Label.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)gw.Length);
        gw.CopyTo(span[2..]);
        span = span[(2 + gw.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)group.Length);
        group.CopyTo(span[2..]);
        span = span[(2 + group.Length)..];
        BinaryPrimitives.WriteUInt64BigEndian(span, epoch);
        return ad;
    }

    /// <summary>Seals <paramref name="groupKey"/> (32 bytes) under the gateway's key (32 bytes), bound to gateway, group and epoch.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> gatewayKey, ReadOnlySpan<byte> groupKey, string gatewayId, string groupId, ulong epoch)
    {
        using var key = WrappingKey.Import(gatewayKey);
        return key.Seal(groupKey, AssociatedData(gatewayId, groupId, epoch));
    }

    /// <summary>The gateway side (for tests and as the reference): opens a wrapped GK into <paramref name="groupKey"/>.</summary>
    public static bool TryUnwrap(WrappingKey gatewayKey, ReadOnlySpan<byte> wrapped, string gatewayId, string groupId, ulong epoch, Span<byte> groupKey)
    {
        ArgumentNullException.ThrowIfNull(gatewayKey);
        if (wrapped.Length != WrappedLength)
        {
            CryptographicOperations.ZeroMemory(groupKey);
            return false;
        }

        return gatewayKey.TryOpen(wrapped, AssociatedData(gatewayId, groupId, epoch), groupKey, out _);
    }
}
