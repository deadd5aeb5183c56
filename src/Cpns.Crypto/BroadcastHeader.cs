using System.Buffers.Binary;

namespace Cpns.Crypto;

/// <summary>
/// The canonical header encoding, which is also authenticated as associated data:
/// version (1 byte, 1) | scheme (1) | height (1) | entry count (4, big-endian) | entries, each a
/// scheme-specific subset id (big-endian node numbers) followed by the 32-byte wrapped GKEK.
/// </summary>
internal static class BroadcastHeader
{
    public const byte Version = 1;
    public const int PrefixSize = 7;
    public const int WrappedKeySize = 32;

    public static void WritePrefix(Span<byte> header, BroadcastSchemeId scheme, int height, int count)
    {
        header[0] = Version;
        header[1] = (byte)scheme;
        header[2] = (byte)height;
        BinaryPrimitives.WriteInt32BigEndian(header[3..], count);
    }

    public static bool TryReadCount(ReadOnlySpan<byte> header, out int count)
    {
        count = 0;
        if (header.Length < PrefixSize || header[0] != Version)
        {
            return false;
        }

        var raw = BinaryPrimitives.ReadUInt32BigEndian(header[3..]);
        if (raw > int.MaxValue)
        {
            return false;
        }

        count = (int)raw;
        return true;
    }

    /// <summary>Checks the prefix against what the reader expects and that the length matches the count exactly.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> header, BroadcastSchemeId scheme, int height, int entrySize, out int count)
    {
        if (!TryReadCount(header, out count) || header[1] != (byte)scheme || header[2] != height)
        {
            return false;
        }

        return (long)count * entrySize == header.Length - PrefixSize;
    }
}
