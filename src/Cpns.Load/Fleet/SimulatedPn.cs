using Cpns.Device.Client;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Gateway.ServerLink;
using Microsoft.Extensions.Logging;
using GatewayServerLink = Cpns.Gateway.ServerLink.ServerLink;

namespace Cpns.Load.Fleet;

/// <summary>
/// One simulated Personal Network: the real <see cref="GatewayHost"/> (its own data directory, PN CA, PN broker on a
/// loopback port, key material set) enrolled with the server through the real <see cref="GatewayServerLink"/>
/// (its own client certificate and per-gateway key, one MQTT connection over TLS), and real <see cref="DeviceClient"/>s
/// paired over its pairing listener, each with its own device key, EU-Key, GKDK and MQTT connection over TLS.
/// </summary>
internal sealed class SimulatedPn : IAsyncDisposable
{
    private readonly List<DeviceClient> _devices = [];

    private SimulatedPn(string gatewayId, GatewayHost host, GatewayServerLink link)
    {
        GatewayId = gatewayId;
        Host = host;
        Link = link;
    }

    public string GatewayId { get; }

    public GatewayHost Host { get; }

    public GatewayServerLink Link { get; }

    public IReadOnlyList<DeviceClient> Devices => _devices;

    public static string PneId(string gatewayId, int index) => $"{gatewayId}-pne{index:D3}";

    /// <summary>Starts the gateway on <paramref name="directory"/>, enrolls it with the one-time token and connects it to the server.</summary>
    public static async Task<SimulatedPn> StartAsync(string gatewayId, string directory, Uri server, string token, int treeHeight, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var link = new GatewayServerLink(
            new ServerLinkOptions
            {
                Server = server,
                EnrollmentToken = token,
                ReconnectDelay = TimeSpan.FromMilliseconds(500),
                MaxReconnectDelay = TimeSpan.FromSeconds(5),
            },
            loggerFactory);
        GatewayHost? host = null;
        try
        {
            host = await GatewayHost.StartAsync(
                new GatewayHostOptions
                {
                    Gateway = new GatewayOptions { DataDirectory = Path.Combine(directory, "gateway"), TreeHeight = treeHeight },
                    GatewayId = gatewayId,
                    PnId = "pn-" + gatewayId,
                    Port = 0,
                    PairingPort = 0,
                },
                link,
                loggerFactory,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await link.StartAsync(host, cancellationToken).ConfigureAwait(false);
            return new SimulatedPn(gatewayId, host, link);
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Pairs one more PNE with a fresh pairing code (EU-Key assignment), starts it (client certificate, GKDK request,
    /// subscriptions) and reports its Group Key outcomes to <paramref name="tracker"/>.
    /// </summary>
    public async Task<DeviceClient> PairAsync(string pneId, string directory, EpochTracker tracker, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var ticket = Host.StartPairing(pneId);
        var options = new DeviceClientOptions
        {
            DataDirectory = Path.Combine(directory, "devices", pneId),
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
            PairingTimeout = TimeSpan.FromSeconds(60),
            GkdkTimeout = TimeSpan.FromSeconds(60),
        };
        var device = await DeviceClient.PairAsync(options, ticket.Code, Host.PairingEndpoint, pneId, loggerFactory: loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        device.GroupKeyHandled = tracker.OnHandled;
        lock (_devices)
        {
            _devices.Add(device);
        }

        await device.StartAsync(Host.PnEndpoint, cancellationToken).ConfigureAwait(false);
        return device;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }

        await Link.DisposeAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
    }
}
