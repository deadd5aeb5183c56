using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Cpns.Protocol.Validation;
using Cpns.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cpns.Protocol;

/// <summary>
/// Encodes and strictly decodes <see cref="Envelope"/>s, the one message type that travels between
/// CPNS Server, PN GW and PNE.
/// </summary>
/// <remarks>
/// <para>Decoding refuses, in this order: empty input; input over <see cref="ProtocolLimits.MaxMessageSize"/>
/// (before any parsing); input the protobuf parser rejects, with explicit size and recursion limits;
/// fields the schema does not define; encodings that are not canonical (re-encoding the parsed
/// message must give back the input byte for byte, which also refuses duplicated fields, explicit
/// defaults and over-long varints); and finally every semantic rule of docs/protocol.md.</para>
/// <para>The canonical check makes a message's bytes a function of its content, so two receivers
/// can never read one input differently (first-wins against last-wins field smuggling).</para>
/// <para><see cref="Encode"/> applies the same rules, so a message this process sends is one it would accept.</para>
/// </remarks>
public static class EnvelopeCodec
{
    /// <summary>The protocol version this codec speaks, carried in <c>Envelope.version</c>.</summary>
    public const uint ProtocolVersion = 1;

    // Oneof member for each body type, to set the body of CreateEnvelope from an IMessage.
    private static readonly FrozenDictionary<Type, FieldDescriptor> BodyFields =
        Envelope.Descriptor.Oneofs.Single(o => o.Name == "body").Fields
            .ToFrozenDictionary(f => f.MessageType.ClrType);

    /// <summary>Validates and encodes <paramref name="envelope"/>.</summary>
    /// <param name="envelope">The envelope to send.</param>
    /// <returns>Its canonical protobuf encoding.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="envelope"/> is <see langword="null"/>.</exception>
    /// <exception cref="ProtocolException">The envelope breaks a rule receivers enforce.</exception>
    public static byte[] Encode(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return EncodeCore(envelope);
    }

    /// <summary>
    /// Creates a version-1 envelope around <paramref name="body"/> with a fresh random message id,
    /// the current time and, for a reply, the request's message id as correlation id.
    /// </summary>
    /// <param name="body">One of the body messages of <see cref="Envelope"/>; it is not copied.</param>
    /// <param name="senderId">Identifier of the sending server, gateway or PNE.</param>
    /// <param name="inReplyTo">The request this envelope answers, or <see langword="null"/>.</param>
    /// <param name="timeProvider">Clock for <c>sent_at_unix_ms</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The envelope, ready for <see cref="Encode"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="senderId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="body"/> is not a body type of <see cref="Envelope"/>.</exception>
    public static Envelope CreateEnvelope(IMessage body, string senderId, Envelope? inReplyTo = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(senderId);
        if (!BodyFields.TryGetValue(body.GetType(), out var bodyField))
        {
            throw new ArgumentException($"{body.GetType().Name} is not an envelope body.", nameof(body));
        }

        var envelope = new Envelope
        {
            Version = ProtocolVersion,
            MessageId = NewMessageId(),
            CorrelationId = inReplyTo?.MessageId ?? ByteString.Empty,
            Suite = CipherSuites.Aes256GcmHkdfSha256,
            SentAtUnixMs = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds(),
            SenderId = senderId,
        };
        bodyField.Accessor.SetValue(envelope, body);
        return envelope;
    }

    /// <summary>Decodes and validates an envelope, without throwing on bad input.</summary>
    /// <param name="data">The received bytes.</param>
    /// <param name="envelope">The envelope when the input is valid; otherwise <see langword="null"/>.</param>
    /// <param name="error">Why the input was refused; <see cref="ProtocolError.None"/> on success.</param>
    /// <returns><see langword="true"/> when the input is a valid envelope.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Envelope? envelope, out ProtocolError error)
    {
        var result = DecodeCore(data, out envelope);
        error = result ?? ProtocolError.None;
        return result is null;
    }

    /// <summary>Decodes and validates an envelope.</summary>
    /// <param name="data">The received bytes.</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="ProtocolException">The input is not a valid envelope; <see cref="ProtocolException.Error"/> says why.</exception>
    public static Envelope Decode(ReadOnlySpan<byte> data) =>
        DecodeCore(data, out var envelope) is { } error ? throw new ProtocolException(error) : envelope!;

    private static byte[] EncodeCore(Envelope envelope)
    {
        if (EnvelopeValidator.Validate(envelope) is { } error)
        {
            throw new ProtocolException(error);
        }

        var size = envelope.CalculateSize();
        if (size > ProtocolLimits.MaxMessageSize)
        {
            throw new ProtocolException(Oversized(size));
        }

        var encoded = envelope.ToByteArray();

        // A message parsed elsewhere may still hold unknown fields, which ToByteArray writes back out.
        if (UnknownFieldScanner.Scan(encoded, Envelope.Descriptor) is { } unknown)
        {
            throw new ProtocolException(unknown);
        }

        return encoded;
    }

    private static ProtocolError? DecodeCore(ReadOnlySpan<byte> data, out Envelope? envelope)
    {
        envelope = null;
        if (data.IsEmpty)
        {
            return new ProtocolError(ProtocolErrorCode.Empty, string.Empty, "the input is empty");
        }

        // Before parsing: an oversized input costs nothing but this comparison.
        if (data.Length > ProtocolLimits.MaxMessageSize)
        {
            return Oversized(data.Length);
        }

        if (!TryParse(data, out var parsed, out var parseError))
        {
            return parseError;
        }

        var error = UnknownFieldScanner.Scan(data, Envelope.Descriptor)
            ?? (IsCanonical(parsed, data) ? null : NonCanonical())
            ?? EnvelopeValidator.Validate(parsed);
        if (error is null)
        {
            envelope = parsed;
        }

        return error;
    }

    private static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Envelope? envelope, out ProtocolError error)
    {
        // Straight from the span: the size was checked above, and the parser refuses a stray end-group tag as data left
        // over. Its recursion limit is its own (100), not ParseRecursionLimit: what lies deeper than ours can only be
        // unknown groups, which UnknownFieldScanner refuses after it. A CodedInputStream with our limits takes a stream,
        // and with it a copy of the input and a 4 KiB buffer per message: a sixth of a loaded fleet's allocations (fix 24
        // in bench/results/load-notes.md).
        try
        {
            envelope = Envelope.Parser.ParseFrom(data);
            error = ProtocolError.None;
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            // The exception's text is dropped on purpose: it is not guaranteed free of input data.
            envelope = null;
            error = new ProtocolError(ProtocolErrorCode.Malformed, string.Empty, "the input is not a valid protobuf encoding of an envelope");
            return false;
        }
    }

    private static bool IsCanonical(Envelope envelope, ReadOnlySpan<byte> data)
    {
        if (envelope.CalculateSize() != data.Length)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            var encoded = buffer.AsSpan(0, data.Length);
            envelope.WriteTo(encoded);
            return encoded.SequenceEqual(data);
        }
        finally
        {
            // The buffer held the encoding, wrapped keys included; do not hand it back dirty.
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, data.Length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ByteString NewMessageId()
    {
        var id = new byte[ProtocolLimits.IdLength];

        // An all-zero id is refused on the wire (it betrays an id never filled in); it is drawn with
        // probability 2^-128, but redrawing keeps CreateEnvelope total.
        do
        {
            RandomNumberGenerator.Fill(id);
        }
        while (!id.AsSpan().ContainsAnyExcept((byte)0));

        return UnsafeByteOperations.UnsafeWrap(id);
    }

    private static ProtocolError? NonCanonical() =>
        new ProtocolError(ProtocolErrorCode.NonCanonical, string.Empty, "the input is not the canonical encoding of its content");

    private static ProtocolError Oversized(int size) =>
        new(ProtocolErrorCode.Oversized, string.Empty, $"the message is {size} bytes, more than {ProtocolLimits.MaxMessageSize}");
}
