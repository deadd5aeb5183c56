namespace Cpns.Protocol;

/// <summary>Why <see cref="EnvelopeCodec"/> refused a message.</summary>
/// <remarks>
/// The codes are stable: receivers map them to metrics and to a <c>Status</c> in their answer, so
/// existing values are never renumbered.
/// </remarks>
public enum ProtocolErrorCode
{
    /// <summary>No error; the value of a successful decode.</summary>
    None = 0,

    /// <summary>The input is empty.</summary>
    Empty = 1,

    /// <summary>The input is larger than <see cref="ProtocolLimits.MaxMessageSize"/>; it was not parsed.</summary>
    Oversized = 2,

    /// <summary>The input is not a well-formed protobuf encoding (truncated, bad varint, bad wire type, invalid UTF-8 in a string, nesting too deep, trailing data).</summary>
    Malformed = 3,

    /// <summary>The input carries a field number (or a wire type) the schema does not define.</summary>
    UnknownField = 4,

    /// <summary>The input parses, but is not the one canonical encoding of what it carries (a field sent twice, fields out of order, explicit default values, over-long varints).</summary>
    NonCanonical = 5,

    /// <summary>The envelope's version is not <see cref="EnvelopeCodec.ProtocolVersion"/>.</summary>
    UnknownVersion = 6,

    /// <summary>The cipher suite is not one of <see cref="CipherSuites"/>.</summary>
    UnsupportedSuite = 7,

    /// <summary>The envelope carries no body.</summary>
    MissingBody = 8,

    /// <summary>A required field is absent (empty string or bytes, unset message, or an enum left at its UNSPECIFIED zero value).</summary>
    MissingField = 9,

    /// <summary>A field that must be empty in this case (a key or certificate in a failure response) is present.</summary>
    UnexpectedField = 10,

    /// <summary>A number is outside its allowed range.</summary>
    OutOfRange = 11,

    /// <summary>An identifier is not 1..128 characters of <c>[A-Za-z0-9._:-]</c>.</summary>
    InvalidIdentifier = 12,

    /// <summary>A human-readable text (alias, group name) is too long or holds non-printable characters.</summary>
    InvalidText = 13,

    /// <summary>A bytes field or a list has the wrong length.</summary>
    InvalidLength = 14,

    /// <summary>A bytes field has the right length but the wrong structure (not an uncompressed EC point, not one DER SEQUENCE, an all-zero id).</summary>
    InvalidFormat = 15,

    /// <summary>A list holds the same identifier (or member) twice.</summary>
    Duplicate = 16,

    /// <summary>An enum field holds a number the schema does not define.</summary>
    UnknownEnumValue = 17,
}
