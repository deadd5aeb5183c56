using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>Settings of an <see cref="MqttConnection"/> (bindable through <c>IOptions&lt;MqttConnectionOptions&gt;</c>).</summary>
public sealed class MqttConnectionOptions
{
    /// <summary>The broker, e.g. <c>MqttBrokerEndpoint.Parse("mqtts://127.0.0.1:8883")</c>.</summary>
    public MqttBrokerEndpoint? Broker { get; set; }

    /// <summary>
    /// The MQTT client id: the CN of <see cref="ClientCertificate"/>, or <see cref="Topics.PairingClientId(string)"/>
    /// on a pairing listener. The broker refuses any other.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The client certificate with its private key (<see cref="ClientKeyPair.AttachCertificate"/>); null for pairing.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The CA the broker's certificate must chain to (pinned: the system trust store is not used).</summary>
    public X509Certificate2? CaCertificate { get; set; }

    /// <summary>
    /// Keep a persistent session (CleanStart false with <see cref="SessionExpiry"/>), so that QoS 1 messages sent
    /// while this client is offline are queued by the broker and delivered on reconnect. Off for pairing.
    /// </summary>
    public bool PersistentSession { get; set; } = true;

    /// <summary>How long the broker keeps the session of a disconnected client.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The MQTT keep-alive announced in CONNECT: zero (none), or from 1 s to 65,535 s (whole seconds). A PINGREQ goes
    /// out when nothing else was sent for three quarters of it; a broker that does not answer one within it is taken
    /// for gone and the link is closed and made again, so a dead link is noticed within about twice this. The broker
    /// drops a client it heard nothing from for 1.5 times this. A broker's Server Keep Alive overrides it.
    /// </summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connect attempt (TCP, TLS, CONNECT/CONNACK) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first reconnect delay; doubled after every failed attempt.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many received messages may be handled at once (at least 1, the default: one at a time, in order). Above 1,
    /// messages on one topic are still handled one after the other in the order received, messages on different
    /// topics at the same time, and each is acknowledged (PUBACK) only after its handler returned, in the order the
    /// messages were received (MQTT 5, 4.6). A message whose handler has not finished when the link drops is not
    /// acknowledged, so the broker delivers it again.
    /// </summary>
    public int MaxConcurrentMessages { get; set; } = 1;
}
