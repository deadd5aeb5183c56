using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Cpns.Transport;

/// <summary>
/// A broker address written <c>mqtts://host:port</c> (the <c>--broker</c> option). Only <c>mqtts</c> is
/// accepted: every connection of the project is TLS. The port defaults to 8883 (RFC-registered MQTT over TLS).
/// </summary>
public sealed record MqttBrokerEndpoint
{
    /// <summary>The IANA port of MQTT over TLS.</summary>
    public const int DefaultPort = 8883;

    /// <summary>Creates an endpoint.</summary>
    /// <param name="host">A DNS name or an IP address (IPv6 without brackets).</param>
    /// <param name="port">The TCP port, 1 to 65535.</param>
    public MqttBrokerEndpoint(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
    }

    /// <summary>The DNS name or IP address; also the TLS target host checked against the broker's certificate.</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>Parses <c>mqtts://host[:port]</c>.</summary>
    /// <param name="text">The address.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="FormatException">The text is not an <c>mqtts://</c> address.</exception>
    public static MqttBrokerEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var endpoint))
        {
            TransportThrow.Malformed($"'{text}' is not a broker address of the form mqtts://host:port.");
        }

        return endpoint;
    }

    /// <summary>Parses <c>mqtts://host[:port]</c> without throwing.</summary>
    /// <param name="text">The address.</param>
    /// <param name="endpoint">The endpoint when the text is valid.</param>
    /// <returns>Whether the text is valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out MqttBrokerEndpoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text)
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Scheme, "mqtts", StringComparison.OrdinalIgnoreCase)
            || uri.HostNameType is UriHostNameType.Unknown or UriHostNameType.Basic
            || !string.IsNullOrEmpty(uri.UserInfo)
            || uri.AbsolutePath is not ("/" or "")
            || !string.IsNullOrEmpty(uri.Query)
            || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        if (port is < 1 or > 65535)
        {
            return false;
        }

        // Uri keeps the brackets of an IPv6 literal in Host; DnsSafeHost drops them.
        endpoint = new MqttBrokerEndpoint(uri.DnsSafeHost, port);
        return true;
    }

    /// <summary>An endpoint on a local IP address, e.g. a broker bound to 127.0.0.1 on an ephemeral port.</summary>
    /// <param name="endPoint">The bound address.</param>
    /// <returns>The endpoint.</returns>
    public static MqttBrokerEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new MqttBrokerEndpoint(endPoint.Address.ToString(), endPoint.Port);
    }

    /// <summary>The <c>mqtts://host:port</c> form.</summary>
    /// <returns>The address.</returns>
    public override string ToString()
    {
        var host = IPAddress.TryParse(Host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{Host}]"
            : Host;
        return string.Create(CultureInfo.InvariantCulture, $"mqtts://{host}:{Port}");
    }
}
