using MQTTnet;
using MQTTnet.Protocol;

namespace Cpns.Transport;

/// <summary>The one shape every message this project publishes has: QoS 1, a topic name, its own copy of the payload.</summary>
internal static class OutgoingMessage
{
    /// <exception cref="ArgumentException">The topic is empty or holds a wildcard.</exception>
    public static MqttApplicationMessage Build(string topic, ReadOnlyMemory<byte> payload, bool retain)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            TransportThrow.InvalidArgument(nameof(topic), "A topic name cannot hold the wildcards + or #.");
        }

        // Copy: the caller may reuse its buffer once the publish returns, and the message is sent (or re-sent) later.
        return new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
    }
}
