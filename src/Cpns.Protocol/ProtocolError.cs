namespace Cpns.Protocol;

/// <summary>
/// Why a message was refused: a <see cref="ProtocolErrorCode"/>, the path of the offending field and
/// a message for people.
/// </summary>
/// <remarks>
/// <see cref="Field"/> uses the proto field names, dotted from the envelope, with list indexes:
/// <c>group_key_notification.epoch</c>, <c>sync_response.latest[2].member_pne_ids[0]</c>. It is empty
/// when the error concerns the whole input. <see cref="Message"/> never contains payload bytes or
/// field values, only names, lengths and limits, so it is safe to log.
/// </remarks>
public readonly record struct ProtocolError
{
    // Backing fields are nullable because default(ProtocolError) bypasses the constructor.
    private readonly string? _field;
    private readonly string? _message;

    /// <summary>Creates an error.</summary>
    /// <param name="code">What went wrong.</param>
    /// <param name="field">Dotted path of the offending field, or empty.</param>
    /// <param name="message">Explanation for people; must not contain payload data.</param>
    public ProtocolError(ProtocolErrorCode code, string field, string message)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(message);
        Code = code;
        _field = field;
        _message = message;
    }

    /// <summary>The value of a successful decode.</summary>
    public static ProtocolError None => default;

    /// <summary>What went wrong; <see cref="ProtocolErrorCode.None"/> on success.</summary>
    public ProtocolErrorCode Code { get; }

    /// <summary>Dotted path of the offending field, or empty.</summary>
    public string Field => _field ?? string.Empty;

    /// <summary>Explanation for people, free of payload data.</summary>
    public string Message => _message ?? string.Empty;

    /// <inheritdoc />
    public override string ToString() =>
        Field.Length == 0 ? $"{Code}: {Message}" : $"{Code} at {Field}: {Message}";

    /// <summary>Returns this error with <paramref name="parent"/> prefixed to its field path.</summary>
    internal ProtocolError Within(string parent) =>
        new(Code, Field.Length == 0 ? parent : parent + "." + Field, Message);

    /// <summary>Returns this error with a list index appended to its field path.</summary>
    internal ProtocolError AtIndex(int index) => new(Code, $"{Field}[{index}]", Message);
}
