using System.Text;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Device.Messaging;

/// <summary>The wire form of a group message (proto/cpns/v1/group_message.proto) and its size caps.</summary>
public static class GroupMessageCodec
{
    /// <summary>The largest application payload a group message carries: 64 KiB.</summary>
    public const int MaxPayloadSize = 64 * 1024;

    /// <summary>The longest group or sender id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 256;

    /// <summary>The largest encoded group message: payload, tag, ids and field overhead.</summary>
    public const int MaxEncodedSize = MaxPayloadSize + GroupMessageKeys.TagSize + (2 * MaxIdBytes) + 64;

    internal static bool IsValidId(string id) => id.Length > 0 && Encoding.UTF8.GetByteCount(id) <= MaxIdBytes;

    /// <summary>Reads and checks an encoded message; never throws.</summary>
    internal static GroupMessageStatus TryDecode(ReadOnlySpan<byte> encoded, out GroupMessage? message)
    {
        message = null;
        if (encoded.Length > MaxEncodedSize)
        {
            return GroupMessageStatus.TooLarge;
        }

        GroupMessage parsed;
        try
        {
            parsed = GroupMessage.Parser.ParseFrom(encoded);
        }
        catch (InvalidProtocolBufferException)
        {
            return GroupMessageStatus.Malformed;
        }

        if (!IsValidId(parsed.GroupId) || !IsValidId(parsed.SenderPneId) || parsed.Epoch == 0 || parsed.Counter == 0
            || parsed.Ciphertext.Length < GroupMessageKeys.TagSize)
        {
            return GroupMessageStatus.Malformed;
        }

        if (parsed.Ciphertext.Length - GroupMessageKeys.TagSize > MaxPayloadSize)
        {
            return GroupMessageStatus.TooLarge;
        }

        message = parsed;
        return GroupMessageStatus.Opened;
    }
}
