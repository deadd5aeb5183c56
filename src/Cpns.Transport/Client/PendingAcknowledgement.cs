using MQTTnet;

namespace Cpns.Transport;

/// <summary>A concurrently handled message waiting for its PUBACK.</summary>
/// <param name="Message">MQTTnet's receipt, which sends the PUBACK.</param>
/// <param name="Handled">Completes with true once the message is done with, false when the stop cut its handler off.</param>
/// <param name="Connection">The connection it came on (the disconnect count when it arrived).</param>
internal sealed record PendingAcknowledgement(MqttApplicationMessageReceivedEventArgs Message, Task<bool> Handled, long Connection);
