using System.Security.Cryptography;
using Cpns.Protocol.V1;
using CsCheck;
using Google.Protobuf;

namespace Cpns.Protocol.Tests;

public sealed class EnvelopeCodecTests
{
    // Encoded once: the samples hold freshly generated certificates.
    private static readonly byte[][] EncodedSamples = [.. Samples.AllBodyCases.Select(Samples.Encoded)];

    public static TheoryData<Envelope.BodyOneofCase> BodyCases => Samples.BodyCases;

    [Fact]
    public void Samples_EveryBodyCase_HasAValidSample()
    {
        var oneofFields = Envelope.Descriptor.Oneofs.Single().Fields.Count;
        Assert.Equal(oneofFields, Samples.AllBodyCases.Count);
        foreach (var body in Samples.AllBodyCases)
        {
            Assert.True(EnvelopeCodec.TryDecode(Samples.Encoded(body), out _, out var error), $"{body}: {error}");
        }
    }

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void EncodeTryDecode_ValidSample_RoundTripsEqual(Envelope.BodyOneofCase body)
    {
        var sample = Samples.For(body);

        var encoded = EnvelopeCodec.Encode(sample);
        var ok = EnvelopeCodec.TryDecode(encoded, out var decoded, out var error);

        Assert.True(ok, error.ToString());
        Assert.NotNull(decoded);
        Assert.Equal(ProtocolError.None, error);
        Assert.Equal(sample, decoded);
        Assert.Equal(body, decoded.BodyCase);
        Assert.Equal(encoded, EnvelopeCodec.Encode(decoded));
    }

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void Decode_ValidSample_ReturnsEqualEnvelope(Envelope.BodyOneofCase body)
    {
        var sample = Samples.For(body);

        Assert.Equal(sample, EnvelopeCodec.Decode(EnvelopeCodec.Encode(sample)));
    }

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void TryDecode_EveryTruncation_ReturnsFalseWithSpecificCode(Envelope.BodyOneofCase body)
    {
        var sample = Samples.For(body);
        var encoded = sample.ToByteArray();
        var headerOnly = sample.Clone();
        headerOnly.ClearBody();

        // Body fields (numbers >= 10) follow every header field (numbers 1..6) in the encoding.
        var bodyStart = headerOnly.CalculateSize();
        for (var length = 0; length < encoded.Length; length++)
        {
            var ok = EnvelopeCodec.TryDecode(encoded.AsSpan(0, length), out var envelope, out var error);

            Assert.False(ok);
            Assert.Null(envelope);
            var expected = length switch
            {
                0 => ProtocolErrorCode.Empty,
                _ when length == bodyStart => ProtocolErrorCode.MissingBody,
                _ when length > bodyStart => ProtocolErrorCode.Malformed,
                _ => error.Code, // inside the header: checked below
            };
            Assert.Equal(expected, error.Code);
            Assert.Contains(error.Code, new[]
            {
                ProtocolErrorCode.Empty, ProtocolErrorCode.Malformed, ProtocolErrorCode.MissingBody,
                ProtocolErrorCode.UnknownVersion, ProtocolErrorCode.UnsupportedSuite, ProtocolErrorCode.MissingField,
                ProtocolErrorCode.OutOfRange,
            });
        }
    }

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void TryDecode_EverySingleBitFlip_NeverThrowsAndAcceptsOnlyCanonicalInput(Envelope.BodyOneofCase body)
    {
        var encoded = Samples.Encoded(body);
        var rejected = 0;
        for (var bit = 0; bit < encoded.Length * 8; bit++)
        {
            var mutated = (byte[])encoded.Clone();
            mutated[bit / 8] ^= (byte)(1 << (bit % 8));

            if (EnvelopeCodec.TryDecode(mutated, out var envelope, out var error))
            {
                // A flip inside opaque bytes (a key, an id) yields another valid message: fine, as
                // long as what was accepted is exactly what it re-encodes to.
                Assert.Equal(mutated, EnvelopeCodec.Encode(envelope));
            }
            else
            {
                Assert.NotEqual(ProtocolErrorCode.None, error.Code);
                rejected++;
            }
        }

        Assert.True(rejected > 0);
    }

    [Fact]
    public void TryDecode_VersionBitFlipped_UnknownVersion()
    {
        var encoded = Samples.Encoded(Envelope.BodyOneofCase.GroupKeyNotification);
        Assert.Equal([0x08, 0x01], encoded[..2]);
        encoded[1] ^= 0x02;

        Assert.False(EnvelopeCodec.TryDecode(encoded, out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownVersion, error.Code);
        Assert.Equal("version", error.Field);
    }

    [Fact]
    public void TryDecode_EmptyInput_Empty()
    {
        Assert.False(EnvelopeCodec.TryDecode([], out var envelope, out var error));
        Assert.Null(envelope);
        Assert.Equal(ProtocolErrorCode.Empty, error.Code);
    }

    [Fact]
    public void TryDecode_OneByteOverMaxMessageSize_Oversized()
    {
        // A valid prefix followed by padding: only the size check can refuse it.
        var input = new byte[ProtocolLimits.MaxMessageSize + 1];
        Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey).CopyTo(input, 0);

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.Oversized, error.Code);
    }

    [Fact]
    public void EncodeTryDecode_BroadcastWithLargestHeader_RoundTrips()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.GroupKeyBroadcast);
        sample.GroupKeyBroadcast.Header = ByteString.CopyFrom(new byte[ProtocolLimits.MaxBroadcastHeaderLength]);

        var encoded = EnvelopeCodec.Encode(sample);

        Assert.True(encoded.Length <= ProtocolLimits.MaxMessageSize);
        Assert.True(EnvelopeCodec.TryDecode(encoded, out var decoded, out var error), error.ToString());
        Assert.Equal(sample, decoded);
    }

    [Fact]
    public void TryDecode_RandomBytes_NeverThrowsAndRejects()
    {
        Gen.Byte.Array[0, 4096].Sample(bytes =>
        {
            // A random input that is a valid envelope would need a version, suite, 16-byte id,
            // sender and body all right: it does not happen.
            Assert.False(EnvelopeCodec.TryDecode(bytes, out var envelope, out var error));
            Assert.Null(envelope);
            Assert.NotEqual(ProtocolErrorCode.None, error.Code);
        }, iter: 20_000);
    }

    [Fact]
    public void TryDecode_RandomlyMutatedSamples_NeverThrowsAndAcceptsOnlyCanonicalInput()
    {
        var mutation = Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte);
        var gen = Gen.Select(Gen.Int[0, EncodedSamples.Length - 1], mutation.Array[1, 4]);

        gen.Sample(t =>
        {
            var data = new List<byte>(EncodedSamples[t.Item1]);
            foreach (var (op, position, value) in t.Item2)
            {
                Mutate(data, op, position, value);
            }

            var input = data.ToArray();
            if (EnvelopeCodec.TryDecode(input, out var envelope, out var error))
            {
                Assert.Equal(input, EnvelopeCodec.Encode(envelope));
            }
            else
            {
                Assert.NotEqual(ProtocolErrorCode.None, error.Code);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void TryDecode_UnknownEnvelopeField_UnknownFieldWithNumber()
    {
        var input = Wire.Concat(Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey), Wire.VarintField(99, 1));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownField, error.Code);
        Assert.Equal("99", error.Field);
    }

    [Fact]
    public void TryDecode_UnknownFieldInBody_UnknownFieldWithPath()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.GroupKeyNotification);
        var body = Wire.Concat(sample.GroupKeyNotification.ToByteArray(), Wire.BytesField(7, [1, 2, 3]));

        // Google.Protobuf keeps the unknown field on parse and writes it back out.
        sample.GroupKeyNotification = GroupKeyNotification.Parser.ParseFrom(body);

        Assert.False(EnvelopeCodec.TryDecode(sample.ToByteArray(), out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownField, error.Code);
        Assert.Equal("group_key_notification.7", error.Field);
    }

    [Fact]
    public void TryDecode_UnknownFieldInListEntry_UnknownFieldWithIndexedPath()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.SyncResponse);
        var entry = Wire.Concat(sample.SyncResponse.Latest[1].ToByteArray(), Wire.VarintField(15, 0));
        sample.SyncResponse.Latest[1] = GroupKeyNotification.Parser.ParseFrom(entry);

        Assert.False(EnvelopeCodec.TryDecode(sample.ToByteArray(), out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownField, error.Code);
        Assert.Equal("sync_response.latest[1].15", error.Field);
    }

    [Fact]
    public void TryDecode_KnownFieldWithWrongWireType_UnknownField()
    {
        // version (field 1) sent as length-delimited bytes: the parser files it as unknown.
        var input = Wire.Concat(Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey), Wire.BytesField(1, [1]));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownField, error.Code);
        Assert.Equal("1", error.Field);
    }

    [Fact]
    public void TryDecode_FieldRepeated_NonCanonical()
    {
        // A second sender_id: protobuf keeps the last, another parser might keep the first.
        var input = Wire.Concat(Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey), Wire.BytesField(6, "gw-b"u8.ToArray()));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.NonCanonical, error.Code);
    }

    [Fact]
    public void TryDecode_ExplicitDefaultValue_NonCanonical()
    {
        var input = Wire.Concat(Wire.BytesField(3, []), Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.NonCanonical, error.Code);
    }

    [Fact]
    public void TryDecode_OverlongVarint_NonCanonical()
    {
        // version = 1 written in two bytes (0x81 0x00) instead of one.
        var encoded = Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey);
        var input = Wire.Concat([0x08, 0x81, 0x00], encoded[2..]);

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.NonCanonical, error.Code);
    }

    [Fact]
    public void TryDecode_TwoBodies_NonCanonical()
    {
        // A second oneof member replaces the first on parse; the input must not be read two ways.
        var input = Wire.Concat(
            Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey),
            Wire.BytesField(61, new DeleteServiceGroup { GroupId = "group-1" }.ToByteArray()));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.NonCanonical, error.Code);
    }

    [Fact]
    public void TryDecode_InvalidUtf8InString_Malformed()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.RotateGroupKey);
        var encoded = sample.ToByteArray();
        var senderField = Wire.BytesField(6, "gw-a"u8.ToArray());
        var at = encoded.AsSpan().IndexOf(senderField);
        Assert.True(at >= 0);
        encoded[at + 2] = 0xFF; // 'g' becomes a byte that is never valid UTF-8

        // Google.Protobuf refuses invalid UTF-8 in string fields (proto3 requires valid UTF-8).
        Assert.False(EnvelopeCodec.TryDecode(encoded, out _, out var error));
        Assert.Equal(ProtocolErrorCode.Malformed, error.Code);
    }

    [Fact]
    public void TryDecode_StrayEndGroupTag_Malformed()
    {
        var encoded = Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey);
        var endGroup = Wire.Tag(1, WireFormat.WireType.EndGroup);

        Assert.False(EnvelopeCodec.TryDecode(Wire.Concat(encoded, endGroup), out _, out var atEnd));
        Assert.False(EnvelopeCodec.TryDecode(Wire.Concat(endGroup, encoded), out _, out var atStart));
        Assert.Equal(ProtocolErrorCode.Malformed, atEnd.Code);
        Assert.Equal(ProtocolErrorCode.Malformed, atStart.Code);
    }

    // Up to ParseRecursionLimit an unknown group is an unknown field; beyond it, malformed, whether the protobuf parser's
    // own limit (100) refuses it or the scanner does.
    [Theory]
    [InlineData(ProtocolLimits.ParseRecursionLimit, ProtocolErrorCode.UnknownField)]
    [InlineData(ProtocolLimits.ParseRecursionLimit + 1, ProtocolErrorCode.Malformed)]
    [InlineData(64, ProtocolErrorCode.Malformed)]
    [InlineData(200, ProtocolErrorCode.Malformed)]
    public void TryDecode_NestedUnknownGroups_MalformedBeyondRecursionLimit(int depth, ProtocolErrorCode expected)
    {
        var open = Enumerable.Repeat(Wire.Tag(99, WireFormat.WireType.StartGroup), depth);
        var close = Enumerable.Repeat(Wire.Tag(99, WireFormat.WireType.EndGroup), depth);
        var input = Wire.Concat([Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey), .. open, .. close]);

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(expected, error.Code);
    }

    [Fact]
    public void TryDecode_ShallowUnknownGroup_UnknownField()
    {
        var input = Wire.Concat(
            Samples.Encoded(Envelope.BodyOneofCase.RotateGroupKey),
            Wire.Tag(99, WireFormat.WireType.StartGroup),
            Wire.Tag(99, WireFormat.WireType.EndGroup));

        Assert.False(EnvelopeCodec.TryDecode(input, out _, out var error));
        Assert.Equal(ProtocolErrorCode.UnknownField, error.Code);
        Assert.Equal("99", error.Field);
    }

    [Fact]
    public void Decode_InvalidInput_ThrowsProtocolExceptionCarryingError()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.GroupKeyResponse);
        sample.GroupKeyResponse.Epoch = 0;

        var exception = Assert.Throws<ProtocolException>(() => EnvelopeCodec.Decode(sample.ToByteArray()));

        Assert.Equal(ProtocolErrorCode.OutOfRange, exception.Error.Code);
        Assert.Equal("group_key_response.epoch", exception.Error.Field);
    }

    [Fact]
    public void Encode_InvalidEnvelope_ThrowsProtocolException()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.GroupKeyNotification);
        sample.GroupKeyNotification.WrappedGroupKey = Samples.Bytes(59, 1);

        var exception = Assert.Throws<ProtocolException>(() => EnvelopeCodec.Encode(sample));

        Assert.Equal(ProtocolErrorCode.InvalidLength, exception.Error.Code);
        Assert.Equal("group_key_notification.wrapped_group_key", exception.Error.Field);
    }

    [Fact]
    public void Encode_EnvelopeHoldingUnknownField_ThrowsProtocolException()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.RotateGroupKey);
        var body = Wire.Concat(sample.RotateGroupKey.ToByteArray(), Wire.VarintField(9, 1));
        sample.RotateGroupKey = RotateGroupKey.Parser.ParseFrom(body);

        var exception = Assert.Throws<ProtocolException>(() => EnvelopeCodec.Encode(sample));

        Assert.Equal(ProtocolErrorCode.UnknownField, exception.Error.Code);
        Assert.Equal("rotate_group_key.9", exception.Error.Field);
    }

    [Fact]
    public void Encode_Null_ThrowsArgumentNullException() =>
        Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.Encode(null!));

    [Fact]
    public void CreateEnvelope_Request_FillsHeaderWithFreshRandomId()
    {
        var time = new FixedTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

        var first = EnvelopeCodec.CreateEnvelope(new RotateGroupKey { GroupId = "group-1" }, "server-1", timeProvider: time);
        var second = EnvelopeCodec.CreateEnvelope(new RotateGroupKey { GroupId = "group-1" }, "server-1", timeProvider: time);

        Assert.Equal(EnvelopeCodec.ProtocolVersion, first.Version);
        Assert.Equal(CipherSuites.Aes256GcmHkdfSha256, first.Suite);
        Assert.Equal(ProtocolLimits.IdLength, first.MessageId.Length);
        Assert.NotEqual(first.MessageId, second.MessageId);
        Assert.True(first.CorrelationId.IsEmpty);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), first.SentAtUnixMs);
        Assert.Equal("server-1", first.SenderId);
        Assert.Equal(Envelope.BodyOneofCase.RotateGroupKey, first.BodyCase);
        Assert.True(EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(first), out _, out var error), error.ToString());
    }

    [Fact]
    public void CreateEnvelope_Reply_CorrelatesWithRequestMessageId()
    {
        var request = EnvelopeCodec.CreateEnvelope(new GkdkAssignmentRequest { PneId = "pne-a1" }, "pne-a1");
        var body = Samples.For(Envelope.BodyOneofCase.GkdkAssignmentResponse).GkdkAssignmentResponse;

        var reply = EnvelopeCodec.CreateEnvelope(body, "gw-a", inReplyTo: request);

        Assert.Equal(request.MessageId, reply.CorrelationId);
        Assert.True(EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(reply), out _, out var error), error.ToString());
    }

    [Fact]
    public void CreateEnvelope_MessageThatIsNoBody_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.CreateEnvelope(new MemberRef(), "gw-a"));

    [Fact]
    public void CreateEnvelope_NullArguments_ThrowArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.CreateEnvelope(null!, "gw-a"));
        Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.CreateEnvelope(new RotateGroupKey(), null!));
    }

    [Fact]
    public void TryDecode_ErrorMessages_NeverContainPayloadBytes()
    {
        // A secret-looking key of the wrong length: the error names the field and lengths only.
        var sample = Samples.For(Envelope.BodyOneofCase.GroupKeyNotification);
        var secret = RandomNumberGenerator.GetBytes(61);
        sample.GroupKeyNotification.WrappedGroupKey = ByteString.CopyFrom(secret);

        Assert.False(EnvelopeCodec.TryDecode(sample.ToByteArray(), out _, out var error));
        Assert.DoesNotContain(Convert.ToHexString(secret[..4]), error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(secret)[..8], error.ToString(), StringComparison.Ordinal);
    }

    private static void Mutate(List<byte> data, int op, int position, byte value)
    {
        switch (op)
        {
            case 0 when data.Count > 0:
                data[position % data.Count] ^= (byte)(1 << (value % 8));
                break;
            case 1 when data.Count > 0:
                data[position % data.Count] = value;
                break;
            case 2:
                data.Insert(position % (data.Count + 1), value);
                break;
            case 3 when data.Count > 0:
                data.RemoveAt(position % data.Count);
                break;
            case 4 when data.Count > 0:
                data.RemoveRange(position % data.Count, data.Count - (position % data.Count));
                break;
            default:
                break;
        }
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
