using System.Buffers.Binary;
using System.Text;

namespace Cpns.Gateway;

/// <summary>
/// The associated data of the two end-to-end wraps that cross the gateway (docs/architecture.md,
/// "Secrets end to end"), sealed with <see cref="Cpns.Crypto.WrappingKey"/>. The CPNS Server and the
/// PNE library build the same bytes. Every string is UTF-8 prefixed by its byte length as an unsigned
/// 16-bit big-endian integer ("u16 len"); integers are big-endian.
/// </summary>
public static class EndToEndAssociatedData
{
    /// <summary>The label of the Group Key wrapped by the CPNS Server under the per-gateway key.</summary>
    public const string GroupKeyToGatewayLabel = "cpns/v1/gk-to-gateway";

    /// <summary>The label of the GKDK wrapped by the PN Gateway under the PNE's EU-Key.</summary>
    public const string GkdkToPneLabel = "cpns/v1/gkdk-to-pne";

    /// <summary>
    /// AD of the Group Key Notification's wrapped key (flow 6.x.y step 2), server → gateway:
    /// <c>"cpns/v1/gk-to-gateway" ‖ u16 len ‖ gatewayId ‖ u16 len ‖ groupId ‖ u64 epoch</c>.
    /// The plaintext is the 32 Group Key bytes.
    /// </summary>
    public static byte[] GroupKeyToGateway(string gatewayId, string groupId, ulong epoch)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        var builder = new Builder(GroupKeyToGatewayLabel);
        builder.String(gatewayId);
        builder.String(groupId);
        builder.UInt64(epoch);
        return builder.ToArray();
    }

    /// <summary>
    /// AD of the GKDK Assignment Response's wrapped GKDK (flow 6.1.2.2 step 5), gateway → PNE:
    /// <c>"cpns/v1/gkdk-to-pne" ‖ u16 len ‖ pnId ‖ u16 len ‖ pneId ‖ u32 leaf</c>.
    /// The plaintext is <see cref="Cpns.Crypto.Gkdk.Export()"/>.
    /// </summary>
    public static byte[] GkdkToPne(string pnId, string pneId, int leaf)
    {
        ArgumentException.ThrowIfNullOrEmpty(pnId);
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        ArgumentOutOfRangeException.ThrowIfNegative(leaf);
        var builder = new Builder(GkdkToPneLabel);
        builder.String(pnId);
        builder.String(pneId);
        builder.UInt32((uint)leaf);
        return builder.ToArray();
    }

    /// <summary>AD of a secret at rest in gateway.db: <c>"cpns/v1/gateway-at-rest" ‖ u16 len ‖ kind ‖ (u16 len ‖ part)*</c>.</summary>
    internal static byte[] AtRest(string kind, params ReadOnlySpan<string> parts)
    {
        var builder = new Builder("cpns/v1/gateway-at-rest");
        builder.String(kind);
        foreach (var part in parts)
        {
            builder.String(part);
        }

        return builder.ToArray();
    }

    private sealed class Builder
    {
        private readonly List<byte> _bytes = new(96);

        public Builder(string label) => _bytes.AddRange(Encoding.UTF8.GetBytes(label));

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if (bytes.Length > ushort.MaxValue)
            {
                GatewayThrow.Argument(nameof(value), "An identity is at most 65,535 UTF-8 bytes.");
            }

            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
            _bytes.AddRange(length);
            _bytes.AddRange(bytes);
        }

        public void UInt64(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            _bytes.AddRange(bytes);
        }

        public void UInt32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            _bytes.AddRange(bytes);
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
