using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>Settings of an <see cref="MqttBroker"/> (bindable through <c>IOptions&lt;MqttBrokerOptions&gt;</c>).</summary>
public sealed class MqttBrokerOptions
{
    /// <summary>The broker's TLS certificate with its private key (<see cref="CertificateAuthority.IssueServerCertificate"/>).</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>The CA every client certificate must chain to (public part only).</summary>
    public X509Certificate2? ClientCaCertificate { get; set; }

    /// <summary>The topic ACL (<see cref="TopicPolicies"/>).</summary>
    public ITopicAuthorizationPolicy? AuthorizationPolicy { get; set; }

    /// <summary>The address to bind; loopback unless the broker serves other hosts.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port of the authenticated listener; 0 picks a free port (see <see cref="MqttBroker.LocalEndPoint"/>).</summary>
    public int Port { get; set; } = MqttBrokerEndpoint.DefaultPort;

    /// <summary>
    /// Opens a second listener on <see cref="PairingPort"/> that asks for no client certificate. Clients there
    /// must use the client id <c>pairing/{pairingId}</c> and the ACL limits them to their pairing topics.
    /// </summary>
    public bool EnablePairingListener { get; set; }

    /// <summary>The TCP port of the pairing listener; 0 picks a free port.</summary>
    public int PairingPort { get; set; }

    /// <summary>
    /// When set, retained messages are saved to this file on every change and loaded at start, so a restarted
    /// PN GW broker still holds the latest Group Key broadcast of each group. The payloads are end-to-end
    /// protected, so the file holds no secret in clear.
    /// </summary>
    public string? RetainedMessagesPath { get; set; }

    /// <summary>How long a client may take to complete the TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Called after a client with a certificate identity (not a pairing client) has connected, with its client id
    /// (= its certificate CN). The PN GW uses it to point PNEs that have not acknowledged the latest Group Key to
    /// it again. Exceptions are logged and ignored.
    /// </summary>
    public Func<string, Task>? ClientConnected { get; set; }

    /// <summary>
    /// Topic filters whose messages this process takes itself, through <see cref="LocalReceiver"/>, instead of
    /// through a client connection of its own to this broker.
    /// </summary>
    public IReadOnlyList<string> LocalTopicFilters { get; set; } = [];

    /// <summary>
    /// Called, once the ACL has allowed it, for each message published by a peer on a topic that matches one of
    /// <see cref="LocalTopicFilters"/>. The message goes to no subscriber. The broker acknowledges it to its publisher
    /// only when the call has returned, so a publisher's PUBACK means its message was handled; a publisher's messages
    /// arrive one at a time and in order, different publishers' at once. When the call throws, the PUBACK carries
    /// UnspecifiedError; when it is cancelled because the broker is stopping, the publisher's connection is closed
    /// without one.
    /// </summary>
    public Func<ReceivedMessage, CancellationToken, Task>? LocalReceiver { get; set; }

    /// <summary>QoS 1 messages queued per offline persistent session before the oldest are dropped.</summary>
    public int MaxPendingMessagesPerClient { get; set; } = 10_000;
}
