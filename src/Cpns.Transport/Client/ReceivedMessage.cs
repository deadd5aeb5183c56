namespace Cpns.Transport;

/// <summary>One application message delivered to an <see cref="MqttConnection"/>.</summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">A copy of its payload, owned by the receiver.</param>
/// <param name="Retained">Whether the broker delivered it from its retained store (a late subscriber's catch-up).</param>
public sealed record ReceivedMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retained);
