using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Cpns.Transport;

/// <summary>
/// Saves and loads the broker's retained messages: a small length-prefixed binary file written to a temporary
/// name and renamed over the old one, so a crash leaves either the old or the new file, never half of one.
/// </summary>
internal sealed class RetainedMessageFile(string path)
{
    private static readonly byte[] Magic = "CPNSRET1"u8.ToArray();
    private const int MaxMessages = 1_000_000;
    private const int MaxTopicBytes = 65_535;
    private const int MaxPayloadBytes = 268_435_455; // MQTT's largest packet.
    private const int MinMessageBytes = 4 + 1 + 1 + 4; // topic length, a one-byte topic, QoS, payload length.

    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = path;

    public async Task SaveAsync(IReadOnlyList<MqttApplicationMessage> messages, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var temporary = Path + ".tmp";
            var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(messages.Count);
                    foreach (var message in messages)
                    {
                        var topic = Encoding.UTF8.GetBytes(message.Topic);
                        writer.Write(topic.Length);
                        writer.Write(topic);
                        writer.Write((byte)message.QualityOfServiceLevel);
                        var payload = message.Payload;
                        writer.Write(checked((int)payload.Length));
                        foreach (var segment in payload)
                        {
                            writer.Write(segment.Span);
                        }
                    }
                }

                buffer.Position = 0;
                await buffer.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the file; throws <see cref="InvalidDataException"/> when it is corrupt.</summary>
    public async Task<List<MqttApplicationMessage>> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        return Parse(bytes);
    }

    /// <summary>Decodes the file's content; throws <see cref="InvalidDataException"/> when it is corrupt.</summary>
    /// <remarks>Apart from <see cref="LoadAsync"/> so the decoder can be fuzzed without a file per input.</remarks>
    internal static List<MqttApplicationMessage> Parse(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("Not a retained-message file.");
            }

            var count = reader.ReadInt32();
            if (count is < 0 or > MaxMessages)
            {
                throw new InvalidDataException("Bad message count.");
            }

            // The count comes from the file: reserve no more than the bytes left can hold (10 bytes per empty message).
            var messages = new List<MqttApplicationMessage>((int)Math.Min(count, (reader.BaseStream.Length - reader.BaseStream.Position) / MinMessageBytes));
            for (var i = 0; i < count; i++)
            {
                var topicLength = reader.ReadInt32();
                if (topicLength is < 1 or > MaxTopicBytes)
                {
                    throw new InvalidDataException("Bad topic length.");
                }

                var topic = Encoding.UTF8.GetString(ReadExactly(reader, topicLength));
                var qos = reader.ReadByte();
                if (qos > 2)
                {
                    throw new InvalidDataException("Bad QoS.");
                }

                var payloadLength = reader.ReadInt32();
                if (payloadLength is < 0 or > MaxPayloadBytes)
                {
                    throw new InvalidDataException("Bad payload length.");
                }

                messages.Add(new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(new ReadOnlySequence<byte>(ReadExactly(reader, payloadLength)))
                    .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos)
                    .WithRetainFlag(true)
                    .Build());
            }

            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new InvalidDataException("Trailing data.");
            }

            return messages;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated retained-message file.", e);
        }
    }

    private static byte[] ReadExactly(BinaryReader reader, int length)
    {
        // BinaryReader.ReadBytes allocates the full length before it reads: a 22-byte file claiming a 256 MiB
        // payload cost 256 MiB (found by fuzz/ target retained-messages). Check the length against what is left first.
        if (length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new EndOfStreamException();
        }

        var data = reader.ReadBytes(length);
        return data.Length == length ? data : throw new EndOfStreamException();
    }
}
