using System.Buffers;
using System.Formats.Asn1;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Cpns.Protocol.Validation;

/// <summary>
/// Checks for single fields. Each returns <see langword="null"/> when the field is valid, or an
/// error whose path is the field name given (the caller prefixes the parent path).
/// </summary>
/// <remarks>
/// proto3 cannot tell an absent scalar from its zero value, so an empty string, empty bytes or an
/// UNSPECIFIED enum is reported as <see cref="ProtocolErrorCode.MissingField"/>; numbers outside
/// their range (zero included) are <see cref="ProtocolErrorCode.OutOfRange"/>.
/// Messages name limits and lengths only, never values: identifiers arrive from untrusted peers and
/// must not reach logs unchecked.
/// </remarks>
internal static class FieldRules
{
    private static readonly SearchValues<char> IdentifierChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public static ProtocolError Missing(string field) =>
        new(ProtocolErrorCode.MissingField, field, "is required");

    public static ProtocolError? Identifier(string value, string field)
    {
        if (value.Length == 0)
        {
            return Missing(field);
        }

        return value.Length > ProtocolLimits.MaxIdentifierLength || value.AsSpan().ContainsAnyExcept(IdentifierChars)
            ? new ProtocolError(ProtocolErrorCode.InvalidIdentifier, field, "must be 1..128 characters of [A-Za-z0-9._:-]")
            : null;
    }

    public static ProtocolError? OptionalIdentifier(string value, string field) =>
        value.Length == 0 ? null : Identifier(value, field);

    /// <summary>
    /// Checks a list of identifiers: count within <paramref name="minCount"/>..2^24, each valid, none twice.
    /// </summary>
    public static ProtocolError? IdentifierList(RepeatedField<string> values, string field, int minCount)
    {
        if (values.Count < minCount || values.Count > ProtocolLimits.MaxListEntries)
        {
            return new ProtocolError(ProtocolErrorCode.InvalidLength, field, $"must hold {minCount}..{ProtocolLimits.MaxListEntries} entries, holds {values.Count}");
        }

        var seen = new HashSet<string>(values.Count, StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            if (Identifier(values[i], field) is { } error)
            {
                return error.AtIndex(i);
            }

            if (!seen.Add(values[i]))
            {
                return Duplicate(field, i);
            }
        }

        return null;
    }

    public static ProtocolError? Count(int count, string field, int minCount)
    {
        return count < minCount || count > ProtocolLimits.MaxListEntries
            ? new ProtocolError(ProtocolErrorCode.InvalidLength, field, $"must hold {minCount}..{ProtocolLimits.MaxListEntries} entries, holds {count}")
            : null;
    }

    public static ProtocolError Duplicate(string field, int index) => Duplicate(field).AtIndex(index);

    public static ProtocolError Duplicate(string field) =>
        new(ProtocolErrorCode.Duplicate, field, "repeats an earlier entry");

    /// <summary>
    /// Checks human-readable text: <paramref name="min"/>..<paramref name="max"/> Unicode scalar
    /// values, none of them control, format (except the joiners emoji need), private-use,
    /// unassigned, line or paragraph separators, or U+FFFD (what invalid UTF-8 decodes to).
    /// Format characters are refused because bidi overrides let a name display as another.
    /// </summary>
    public static ProtocolError? Text(string value, string field, int min, int max)
    {
        if (value.Length == 0)
        {
            return min == 0 ? null : Missing(field);
        }

        var count = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            count++;
            if (count > max || !IsPrintable(rune))
            {
                return InvalidText(field, min, max);
            }
        }

        return count < min ? InvalidText(field, min, max) : null;
    }

    public static ProtocolError? Epoch(ulong epoch, string field) =>
        epoch == 0 ? new ProtocolError(ProtocolErrorCode.OutOfRange, field, "must be at least 1") : null;

    public static ProtocolError? UnixTime(long unixMilliseconds, string field) =>
        unixMilliseconds is < 1 or > ProtocolLimits.MaxUnixTimeMilliseconds
            ? new ProtocolError(ProtocolErrorCode.OutOfRange, field, $"must be 1..{ProtocolLimits.MaxUnixTimeMilliseconds} Unix milliseconds")
            : null;

    /// <summary>Checks that an enum holds a defined value other than its UNSPECIFIED zero.</summary>
    public static ProtocolError? Enum<TEnum>(TEnum value, string field)
        where TEnum : struct, Enum
    {
        if (EqualityComparer<TEnum>.Default.Equals(value, default))
        {
            return Missing(field);
        }

        return System.Enum.IsDefined(value)
            ? null
            : new ProtocolError(ProtocolErrorCode.UnknownEnumValue, field, $"is not a defined {typeof(TEnum).Name} value");
    }

    public static ProtocolError? ExactLength(ByteString value, int length, string field)
    {
        if (value.IsEmpty)
        {
            return Missing(field);
        }

        return value.Length != length
            ? new ProtocolError(ProtocolErrorCode.InvalidLength, field, $"is {value.Length} bytes, must be {length}")
            : null;
    }

    public static ProtocolError? LengthRange(ByteString value, int min, int max, string field)
    {
        if (value.IsEmpty && min > 0)
        {
            return Missing(field);
        }

        return value.Length < min || value.Length > max
            ? new ProtocolError(ProtocolErrorCode.InvalidLength, field, $"is {value.Length} bytes, must be {min}..{max}")
            : null;
    }

    /// <summary>Checks a 16-byte random id; all zeros betrays an id that was never filled in.</summary>
    public static ProtocolError? RandomId(ByteString value, string field)
    {
        if (ExactLength(value, ProtocolLimits.IdLength, field) is { } error)
        {
            return error;
        }

        return value.Span.ContainsAnyExcept((byte)0)
            ? null
            : new ProtocolError(ProtocolErrorCode.InvalidFormat, field, "must not be all zeros");
    }

    /// <summary>
    /// Checks the shape of an uncompressed SEC 1 P-256 point. Whether it lies on the curve is checked
    /// where it is used, by the ECDH import in Cpns.Crypto, which must refuse invalid points anyway.
    /// </summary>
    public static ProtocolError? EcPublicKey(ByteString value, string field)
    {
        if (ExactLength(value, ProtocolLimits.EcPublicKeyLength, field) is { } error)
        {
            return error;
        }

        return value.Span[0] == 0x04
            ? null
            : new ProtocolError(ProtocolErrorCode.InvalidFormat, field, "must be an uncompressed point (first byte 0x04)");
    }

    /// <summary>
    /// Checks that a certificate or CSR is one DER SEQUENCE of at most <paramref name="max"/> bytes
    /// with nothing after it. Its content is parsed (and its signature checked) by the X.509 code of
    /// the receiver; this only stops garbage early.
    /// </summary>
    public static ProtocolError? Der(ByteString value, int max, string field)
    {
        if (LengthRange(value, 1, max, field) is { } error)
        {
            return error;
        }

        // TryReadEncodedValue reports malformed tags and lengths by returning false, not by throwing.
        var ok = AsnDecoder.TryReadEncodedValue(value.Span, AsnEncodingRules.DER, out var tag, out _, out _, out var consumed)
            && consumed == value.Length
            && tag.Equals(Asn1Tag.Sequence);
        return ok ? null : new ProtocolError(ProtocolErrorCode.InvalidFormat, field, "must be one DER SEQUENCE");
    }

    public static ProtocolError? MustBeEmpty(bool isEmpty, string field) =>
        isEmpty ? null : new ProtocolError(ProtocolErrorCode.UnexpectedField, field, "must be empty when status is not OK");

    private static ProtocolError InvalidText(string field, int min, int max) =>
        new(ProtocolErrorCode.InvalidText, field, $"must be {min}..{max} printable characters");

    private static bool IsPrintable(Rune rune)
    {
        if (rune == Rune.ReplacementChar)
        {
            return false;
        }

        // U+200C/U+200D (ZWNJ/ZWJ) are format characters that scripts and emoji sequences need.
        if (rune.Value is 0x200C or 0x200D)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
    }
}
