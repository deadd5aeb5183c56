using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cpns.Crypto;

namespace Cpns.Device.Messaging;

/// <summary>
/// Key, nonce and associated data of group messages (docs/device.md §4).
/// K_s = HKDF-Expand-SHA-256(GK, "cpns/v1/group-message" ‖ len(g) ‖ g ‖ e ‖ len(s) ‖ s, 32);
/// nonce = 0^32 ‖ counter (64, big-endian); AD = the same label and ids ‖ counter.
/// </summary>
internal static class GroupMessageKeys
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    private static readonly byte[] Label = "cpns/v1/group-message"u8.ToArray();

    // One key per (group, epoch, sender): each sender's counter alone makes nonces unique, with no
    // coordination between senders. GK is uniformly random, so it serves as the PRK (RFC 5869 §3.3).
    public static void DeriveSenderKey(GroupKey groupKey, string senderPneId, Span<byte> destination)
    {
        Span<byte> gk = stackalloc byte[GroupKey.KeySize];
        try
        {
            groupKey.ExportKey(gk);
            HKDF.Expand(HashAlgorithmName.SHA256, gk, destination[..KeySize], Context(groupKey.GroupId, groupKey.Epoch, senderPneId, null));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(gk);
        }
    }

    public static void Nonce(ulong counter, Span<byte> destination)
    {
        destination[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], counter);
    }

    public static byte[] AssociatedData(string groupId, ulong epoch, string senderPneId, ulong counter) =>
        Context(groupId, epoch, senderPneId, counter);

    private static byte[] Context(string groupId, ulong epoch, string senderPneId, ulong? counter)
    {
        var g = Encoding.UTF8.GetBytes(groupId);
        var s = Encoding.UTF8.GetBytes(senderPneId);
        var output = new byte[Label.Length + 2 + g.Length + 8 + 2 + s.Length + (counter is null ? 0 : 8)];
        var span = output.AsSpan();
        Label.CopyTo(span);
        span = span[Label.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)g.Length);
        g.CopyTo(span[2..]);
        span = span[(2 + g.Length)..];
        BinaryPrimitives.WriteUInt64BigEndian(span, epoch);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)s.Length);
        s.CopyTo(span[10..]);
        if (counter is not null)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[(10 + s.Length)..], counter.Value);
        }

        return output;
    }
}
