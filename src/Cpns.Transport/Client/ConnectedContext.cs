namespace Cpns.Transport;

/// <summary>Passed to <see cref="MqttConnection.Connected"/> after every successful (re)connect.</summary>
/// <param name="SessionPresent">
/// True when the broker resumed the persistent session (its subscriptions and the QoS 1 messages queued while
/// this client was away); false after a broker restart, when the connection has subscribed afresh.
/// </param>
/// <param name="ConnectCount">1 for the first connect, then 2, 3, ... for each reconnect.</param>
public readonly record struct ConnectedContext(bool SessionPresent, long ConnectCount);
