using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cpns.Crypto;

namespace Cpns.Device.Storage;

/// <summary>
/// The plaintext encoding of a key store, format version 1 (docs/device.md §2). Hand-written rather
/// than protobuf so that every buffer that holds key bytes is ours to pin and wipe.
/// </summary>
internal static class StoreCodec
{
    public const int MaxIdBytes = 1024;

    private const byte FlagPaired = 1;
    private const byte FlagGkdk = 2;
    private const byte FlagCredentials = 4;
    private const int MaxCertificateBytes = 8192;
    private const int MaxPrivateKeyBytes = 4096;
    private const int MaxGroups = 1 << 20;

    /// <summary>Encodes the state into a new pinned array; the caller wipes it.</summary>
    public static byte[] Encode(StoreState state)
    {
        var output = GC.AllocateArray<byte>(EncodedLength(state), pinned: true);
        Encode(state, output);
        return output;
    }

    /// <summary>The length of the state's encoding.</summary>
    public static int EncodedLength(StoreState state)
    {
        var size = 1 + StringSize(state.PneId) + StringSize(state.PnId) + StringSize(state.GatewayId);
        size += state.EuKey is null ? 0 : WrappingKey.KeySize;
        size += state.Gkdk is null ? 0 : 4 + state.Gkdk.ExportedLength;
        if (state.ClientKey is not null)
        {
            size += 12 + state.ClientCertificate!.Length + state.ClientKey.Length + state.PnCaCertificate!.Length;
        }

        size += 4;
        foreach (var group in state.Groups.Values)
        {
            size += StringSize(group.GroupId) + 1 + (8 * 5);
            size += group.Current is null ? 0 : GroupKey.KeySize;
            size += group.Previous is null ? 0 : GroupKey.KeySize + 8;
        }

        return size;
    }

    /// <summary>
    /// Encodes the state into exactly <see cref="EncodedLength"/> bytes of <paramref name="output"/>, which the
    /// caller pins and wipes. The device store encodes every write into one array it keeps, so that a write leaves no
    /// pinned array behind for the collector (fix 20 in bench/results/load-notes.md; not shown to save CPU).
    /// </summary>
    public static void Encode(StoreState state, Span<byte> output)
    {
        var writer = new Writer(output);
        var gkdk = state.Gkdk;
        writer.Byte((byte)((state.EuKey is null ? 0 : FlagPaired) | (gkdk is null ? 0 : FlagGkdk) | (state.ClientKey is null ? 0 : FlagCredentials)));
        writer.String(state.PneId);
        writer.String(state.PnId);
        writer.String(state.GatewayId);
        if (state.EuKey is not null)
        {
            state.EuKey.Export(writer.Take(WrappingKey.KeySize));
        }

        if (gkdk is not null)
        {
            writer.UInt32((uint)gkdk.ExportedLength);
            gkdk.Export(writer.Take(gkdk.ExportedLength));
        }

        if (state.ClientKey is not null)
        {
            writer.Blob(state.ClientCertificate!);
            writer.Blob(state.ClientKey);
            writer.Blob(state.PnCaCertificate!);
        }

        writer.UInt32((uint)state.Groups.Count);
        foreach (var group in state.Groups.Values)
        {
            writer.String(group.GroupId);
            writer.Byte((byte)group.Status);
            writer.UInt64(group.HighestSeenEpoch);
            writer.UInt64(group.DeletedAtEpoch);
            writer.UInt64(group.SendCounterReserved);
            writer.UInt64(group.Current?.Epoch ?? 0);
            group.Current?.ExportKey(writer.Take(GroupKey.KeySize));
            writer.UInt64(group.Previous?.Epoch ?? 0);
            if (group.Previous is not null)
            {
                group.Previous.ExportKey(writer.Take(GroupKey.KeySize));
                writer.UInt64((ulong)group.PreviousExpiresAtUnixMs);
            }
        }

        if (writer.Position != output.Length)
        {
            CryptographicOperations.ZeroMemory(output);
            DeviceThrow.Store(DeviceStoreError.Corrupt, "The key store encoding has an unexpected size.");
        }
    }

    /// <summary>Decodes a state; the input stays the caller's to wipe.</summary>
    /// <exception cref="DeviceStoreException">The content is inconsistent.</exception>
    public static StoreState Decode(ReadOnlySpan<byte> input, string path)
    {
        var reader = new Reader(input);
        StoreState? state = null;
        try
        {
            var flags = reader.Byte();

            // A flag this version does not know announces a section it cannot read, and re-encoding would drop it
            // (found by fuzz/ target store-codec: the store did not re-encode to itself).
            if ((flags & ~(FlagPaired | FlagGkdk | FlagCredentials)) != 0)
            {
                throw Corrupt(path);
            }

            var pneId = reader.String() ?? throw Corrupt(path);
            state = new StoreState(pneId) { PnId = reader.String(), GatewayId = reader.String() };
            if ((flags & FlagPaired) != 0)
            {
                state.EuKey = WrappingKey.Import(reader.Take(WrappingKey.KeySize));
            }

            if ((flags & FlagGkdk) != 0)
            {
                var length = reader.UInt32();
                state.Gkdk = Gkdk.Import(reader.Take(checked((int)length)));
            }

            if ((flags & FlagCredentials) != 0)
            {
                state.ClientCertificate = reader.Take(Length(reader.UInt32(), MaxCertificateBytes)).ToArray();
                var key = reader.Take(Length(reader.UInt32(), MaxPrivateKeyBytes));
                state.ClientKey = GC.AllocateArray<byte>(key.Length, pinned: true);
                key.CopyTo(state.ClientKey);
                state.PnCaCertificate = reader.Take(Length(reader.UInt32(), MaxCertificateBytes)).ToArray();
            }

            var count = reader.UInt32();
            if (count > MaxGroups)
            {
                throw Corrupt(path);
            }

            for (var i = 0u; i < count; i++)
            {
                var group = new GroupRecord(reader.String() ?? throw Corrupt(path));
                if (!state.Groups.TryAdd(group.GroupId, group))
                {
                    throw Corrupt(path);
                }

                group.Status = (GroupKeyStatus)reader.Byte();
                group.HighestSeenEpoch = reader.UInt64();
                group.DeletedAtEpoch = reader.UInt64();
                group.SendCounterReserved = reader.UInt64();
                group.SendCounterNext = checked(group.SendCounterReserved + 1);
                var epoch = reader.UInt64();
                if (epoch != 0)
                {
                    group.Current = GroupKey.Import(group.GroupId, epoch, reader.Take(GroupKey.KeySize));
                }

                var previous = reader.UInt64();
                if (previous != 0)
                {
                    group.Previous = GroupKey.Import(group.GroupId, previous, reader.Take(GroupKey.KeySize));
                    group.PreviousExpiresAtUnixMs = (long)reader.UInt64();
                }

                var consistent = group.Status switch
                {
                    GroupKeyStatus.Active => group.Current is not null && group.Current.Epoch == group.HighestSeenEpoch
                        && (group.Previous is null || group.Previous.Epoch < group.Current.Epoch),
                    GroupKeyStatus.Deleted => group.Current is null && group.Previous is null && group.DeletedAtEpoch <= group.HighestSeenEpoch,
                    _ => false,
                };
                if (!consistent)
                {
                    throw Corrupt(path);
                }
            }

            if (!reader.AtEnd)
            {
                throw Corrupt(path);
            }

            return state;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or IndexOutOfRangeException or DecoderFallbackException)
        {
            state?.Dispose();
            throw Corrupt(path, e);
        }
        catch
        {
            state?.Dispose();
            throw;
        }
    }

    private static DeviceStoreException Corrupt(string path, Exception? inner = null) =>
        new(DeviceStoreError.Corrupt, $"The key store '{path}' authenticated but its content is not consistent.", inner);

    private static int Length(uint length, int max) =>
        length is 0 || length > max ? throw new FormatException("Credential length out of range.") : (int)length;

    private static int StringSize(string? value) => 2 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Position { get; private set; }

        public Span<byte> Take(int length)
        {
            var span = _buffer.Slice(Position, length);
            Position += length;
            return span;
        }

        public void Byte(byte value) => Take(1)[0] = value;

        public void UInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

        public void UInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

        public void Blob(ReadOnlySpan<byte> value)
        {
            UInt32((uint)value.Length);
            value.CopyTo(Take(value.Length));
        }

        // Null and empty are both written as length 0 and read back as null: no id is ever empty.
        public void String(string? value)
        {
            var length = value is null ? 0 : Encoding.UTF8.GetByteCount(value);
            if (length > MaxIdBytes)
            {
                DeviceThrow.Argument(nameof(value), "An id is longer than 1024 UTF-8 bytes.");
            }

            BinaryPrimitives.WriteUInt16BigEndian(Take(2), (ushort)length);
            if (length > 0)
            {
                Encoding.UTF8.GetBytes(value, Take(length));
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public readonly bool AtEnd => _position == _buffer.Length;

        public ReadOnlySpan<byte> Take(int length)
        {
            if (length < 0 || length > _buffer.Length - _position)
            {
                throw new FormatException("Truncated.");
            }

            var span = _buffer.Slice(_position, length);
            _position += length;
            return span;
        }

        public byte Byte() => Take(1)[0];

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

        public string? String()
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            return length == 0 ? null : Strict.GetString(Take(length));
        }
    }
}
