using System.Net;

namespace Cpns.Gateway.Hosting;

/// <summary>Settings of a <see cref="GatewayHost"/> (section <c>Cpns:GatewayHost</c> when bound from configuration).</summary>
public sealed class GatewayHostOptions
{
    /// <summary>The core's settings: data directory, tree height, pairing limits.</summary>
    public GatewayOptions Gateway { get; set; } = new();

    /// <summary>
    /// The gateway id (CN of its certificates); required on the first start, then read from gateway.db
    /// (a data directory never changes identity).
    /// </summary>
    public string? GatewayId { get; set; }

    /// <summary>The PN id; required on the first start, then read from gateway.db.</summary>
    public string? PnId { get; set; }

    /// <summary>The address both PN broker listeners bind; loopback unless PNEs reach the gateway over a network.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port of the PN broker (client certificates required); 0 picks a free port.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>The TCP port of the pairing listener (no client certificate; pairing topics only); 0 picks a free port.</summary>
    public int PairingPort { get; set; } = 8884;

    /// <summary>
    /// Further DNS names or IP addresses PNEs use to reach the broker, written into its TLS certificate
    /// besides 127.0.0.1, ::1 and localhost.
    /// </summary>
    public IList<string> BrokerNames { get; } = [];
}
