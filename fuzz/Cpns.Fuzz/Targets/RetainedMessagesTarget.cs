using System.Text;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="Transport.RetainedMessageFile.Parse"/>, the embedded broker's retained-message file read at start:
/// InvalidDataException only, and no allocation beyond what the file holds.
/// </summary>
internal sealed class RetainedMessagesTarget : FuzzTarget
{
    public override string Name => "retained-messages";

    public override string Description => "RetainedMessageFile.Parse, the broker's retained-message file (InvalidDataException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var messages = Transport.RetainedMessageFile.Parse(input.ToArray());
            Check(messages.All(m => m.Retain && !string.IsNullOrEmpty(m.Topic)), "every loaded message is retained and has a topic");
        }
        catch (InvalidDataException)
        {
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("valid-none", File([]));
        yield return new("valid-two", File([("cpns/v1/pn/pn-a/groups/group-1", 1, new byte[70]), ("cpns/v1/pn/pn-a/groups/g2", 0, [])]));
        yield return new("valid-unicode-topic", File([("cpns/v1/é/🔑", 2, [1, 2, 3])]));
        yield return new("edge-magic-only", "CPNSRET1"u8.ToArray());
        yield return new("edge-bad-qos", File([("t", 3, [])]));
        yield return new("edge-payload-length-beyond-file", [.. File([("t", 1, [])])[..^4], 0xFF, 0xFF, 0xFF, 0x0F]);
    }

    // The file layout of RetainedMessageFile.SaveAsync: magic, count, then per message topic length, topic, QoS, payload length, payload (little-endian).
    private static byte[] File((string Topic, byte Qos, byte[] Payload)[] messages)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("CPNSRET1"u8);
            writer.Write(messages.Length);
            foreach (var (topic, qos, payload) in messages)
            {
                var bytes = Encoding.UTF8.GetBytes(topic);
                writer.Write(bytes.Length);
                writer.Write(bytes);
                writer.Write(qos);
                writer.Write(payload.Length);
                writer.Write(payload);
            }
        }

        return buffer.ToArray();
    }
}
