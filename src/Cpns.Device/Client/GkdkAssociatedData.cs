using System.Buffers.Binary;
using System.Text;

namespace Cpns.Device.Client;

/// <summary>
/// The AD of the GKDK wrapped under the EU-Key (flow 6.1.2.2 step 5), byte for byte the gateway's
/// <c>EndToEndAssociatedData.GkdkToPne</c> (docs/gateway.md): <c>"cpns/v1/gkdk-to-pne" ‖ u16 len ‖ pnId ‖ u16 len ‖ pneId ‖ u32 leaf</c>.
/// </summary>
internal static class GkdkAssociatedData
{
    public static byte[] For(string pnId, string pneId, uint leaf)
    {
        var label = "cpns/v1/gkdk-to-pne"u8;
        var pn = Encoding.UTF8.GetBytes(pnId);
        var pne = Encoding.UTF8.GetBytes(pneId);
        var output = new byte[label.Length + 2 + pn.Length + 2 + pne.Length + 4];
        var span = output.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)pn.Length));
        pn.CopyTo(span[2..]);
        span = span[(2 + pn.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)pne.Length));
        pne.CopyTo(span[2..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(2 + pne.Length)..], leaf);
        return output;
    }
}
