using Google.Protobuf.Reflection;

namespace Cpns.Protocol.Validation;

/// <summary>
/// Walks the wire encoding beside the schema's descriptors and reports the first field the schema
/// does not define.
/// </summary>
/// <remarks>
/// Google.Protobuf keeps unknown fields in a private set with no public accessor, and a known field
/// number with the wrong wire type also lands there. Rather than reach into private members, this
/// scanner reads the tags itself and checks each against <see cref="MessageDescriptor"/>, recursing
/// into message fields. It runs only after the protobuf parser accepted the input, so the structure
/// is known to be sound; its bounds checks are defence in depth and report
/// <see cref="ProtocolErrorCode.Malformed"/> instead of throwing.
/// </remarks>
internal static class UnknownFieldScanner
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireStartGroup = 3;
    private const int WireEndGroup = 4;
    private const int WireFixed32 = 5;

    /// <summary>Scans <paramref name="data"/> as an encoding of <paramref name="descriptor"/>.</summary>
    /// <returns><see langword="null"/> when every field is defined, otherwise the error.</returns>
    public static ProtocolError? Scan(ReadOnlySpan<byte> data, MessageDescriptor descriptor) =>
        Scan(data, descriptor, depth: 0);

    private static ProtocolError? Scan(ReadOnlySpan<byte> data, MessageDescriptor descriptor, int depth)
    {
        if (depth >= ProtocolLimits.ParseRecursionLimit)
        {
            return Malformed("nesting too deep");
        }

        // Occurrence counts of repeated message fields, only to put list indexes in error paths.
        Dictionary<int, int>? occurrences = null;
        var position = 0;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out var tag) || tag > uint.MaxValue)
            {
                return Malformed("bad tag");
            }

            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (number == 0 || wireType == WireEndGroup || wireType > WireFixed32)
            {
                return Malformed("bad tag");
            }

            var field = descriptor.FindFieldByNumber(number);
            if (field is null || !WireTypeMatches(field, wireType))
            {
                // The parser takes unknown groups in down to its own recursion limit, deeper than this protocol's:
                // nesting beyond ours is malformed input, not merely an unknown field.
                if (wireType == WireStartGroup && GroupNestsDeeperThan(data[position..], ProtocolLimits.ParseRecursionLimit - depth))
                {
                    return Malformed("nesting too deep");
                }

                return new ProtocolError(
                    ProtocolErrorCode.UnknownField,
                    number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    field is null
                        ? $"field number {number} is not defined in {descriptor.FullName}"
                        : $"field number {number} of {descriptor.FullName} has the wrong wire type");
            }

            switch (wireType)
            {
                case WireVarint:
                    if (!TryReadVarint(data, ref position, out _))
                    {
                        return Malformed("bad varint");
                    }

                    break;
                case WireFixed64:
                case WireFixed32:
                    var width = wireType == WireFixed64 ? 8 : 4;
                    if (data.Length - position < width)
                    {
                        return Malformed("truncated");
                    }

                    position += width;
                    break;
                case WireLengthDelimited:
                    if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                    {
                        return Malformed("truncated");
                    }

                    var content = data.Slice(position, (int)length);
                    position += (int)length;
                    if (field.FieldType == FieldType.Message)
                    {
                        var index = 0;
                        if (field.IsRepeated)
                        {
                            occurrences ??= [];
                            index = occurrences.GetValueOrDefault(number);
                            occurrences[number] = index + 1;
                        }

                        if (Scan(content, field.MessageType, depth + 1) is { } error)
                        {
                            return error.Within(field.IsRepeated ? $"{field.Name}[{index}]" : field.Name);
                        }
                    }

                    break;
                default:
                    // WireStartGroup: the schema has no groups, and WireTypeMatches refused it above.
                    return Malformed("unexpected group");
            }
        }

        return null;
    }

    // Whether the group that starts before data holds groups nested more than limit deep (the group itself is one).
    // Only the wire structure is read: every field inside is unknown, since the schema has no groups.
    private static bool GroupNestsDeeperThan(ReadOnlySpan<byte> data, int limit)
    {
        var nesting = 1;
        var position = 0;
        while (nesting > 0 && position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out var tag))
            {
                return false;
            }

            switch ((int)(tag & 7))
            {
                case WireVarint:
                    if (!TryReadVarint(data, ref position, out _))
                    {
                        return false;
                    }

                    break;
                case WireFixed64:
                    position += 8;
                    break;
                case WireFixed32:
                    position += 4;
                    break;
                case WireLengthDelimited:
                    if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                    {
                        return false;
                    }

                    position += (int)length;
                    break;
                case WireStartGroup:
                    if (++nesting > limit)
                    {
                        return true;
                    }

                    break;
                case WireEndGroup:
                    nesting--;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static bool WireTypeMatches(FieldDescriptor field, int wireType)
    {
        var expected = field.FieldType switch
        {
            FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireFixed64,
            FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireFixed32,
            FieldType.String or FieldType.Bytes or FieldType.Message => WireLengthDelimited,
            FieldType.Group => WireStartGroup,
            _ => WireVarint,
        };

        // Parsers must accept repeated scalars both packed and unpacked (protobuf encoding guide).
        return wireType == expected
            || (field.IsRepeated && wireType == WireLengthDelimited && expected is WireVarint or WireFixed32 or WireFixed64);
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                return false;
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    private static ProtocolError Malformed(string message) =>
        new(ProtocolErrorCode.Malformed, string.Empty, message);
}
