using Google.Protobuf;

namespace Cpns.Protocol.Tests;

/// <summary>Hand-made wire fragments for inputs that Google.Protobuf would never write itself.</summary>
internal static class Wire
{
    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static byte[] VarintField(int number, ulong value) => Write(o =>
    {
        o.WriteTag(number, WireFormat.WireType.Varint);
        o.WriteUInt64(value);
    });

    public static byte[] BytesField(int number, byte[] value) => Write(o =>
    {
        o.WriteTag(number, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    });

    public static byte[] Tag(int number, WireFormat.WireType type) => Write(o => o.WriteTag(number, type));

    private static byte[] Write(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
