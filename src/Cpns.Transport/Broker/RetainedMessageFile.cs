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

            var messages = new List<MqttApplicationMessage>(count);
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
        var data = reader.ReadBytes(length);
        return data.Length == length ? data : throw new EndOfStreamException();
    }
}
