using Cpns.Transport;

namespace Cpns.Gateway.ServerLink;

/// <summary>Settings of the gateway's link to the CPNS Server (<see cref="ServerLink"/>).</summary>
public sealed class ServerLinkOptions
{
    /// <summary>
    /// The server's REST base address, used once for enrollment (<c>POST /gateways/enroll</c>). <c>https</c>, or
    /// <c>http</c> on a loopback address only (tests, the demo): the enrollment response carries the per-gateway key.
    /// </summary>
    public Uri? Server { get; set; }

    /// <summary>The one-time enrollment token; used only while the data directory holds no server certificate yet.</summary>
    public string? EnrollmentToken { get; set; }

    /// <summary>The server broker, overriding the <c>mqtt</c> address the enrollment returned (e.g. behind NAT).</summary>
    public MqttBrokerEndpoint? Mqtt { get; set; }

    /// <summary>PEM file of the CA the server's HTTPS certificate chains to; the system's trust store when null.</summary>
    public string? ServerCaPath { get; set; }

    /// <summary>First reconnect delay to the server broker (doubled up to <see cref="MaxReconnectDelay"/>).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the enrollment request may take.</summary>
    public TimeSpan EnrollmentTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
