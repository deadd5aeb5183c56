using System.Collections.Concurrent;
using Cpns.Device.Client;
using Cpns.Device.Groups;
using Cpns.Device.Storage;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Gateway.ServerLink;
using GatewayServerLink = Cpns.Gateway.ServerLink.ServerLink;

namespace Cpns.EndToEnd.Tests.Support;

/// <summary>
/// One PN: a real <see cref="GatewayHost"/> on its own data directory with a real <see cref="GatewayServerLink"/>, and real
/// <see cref="DeviceClient"/>s paired over its pairing listener. The gateway can be stopped and started again on
/// the same ports (the devices reconnect on their own).
/// </summary>
internal sealed class PnNode : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Uri _server;
    private int _port;
    private int _pairingPort;

    private PnNode(string gatewayId, string directory, Uri server)
    {
        GatewayId = gatewayId;
        PnId = "pn-" + gatewayId;
        _directory = directory;
        _server = server;
    }

    public string GatewayId { get; }

    public string PnId { get; }

    public GatewayHost Host { get; private set; } = null!;

    public GatewayServerLink Link { get; private set; } = null!;

    public Dictionary<string, DeviceClient> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>Every Group Key broadcast each device handled: group, epoch, outcome.</summary>
    public ConcurrentQueue<(string PneId, string GroupId, ulong Epoch, GroupKeyReceiveStatus Status)> Handled { get; } = new();

    public static async Task<PnNode> StartAsync(string gatewayId, string directory, Uri server, string token)
    {
        var node = new PnNode(gatewayId, directory, server);
        await node.StartGatewayAsync(token);
        return node;
    }

    public async Task StartGatewayAsync(string? token = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var link = new GatewayServerLink(new ServerLinkOptions
        {
            Server = _server,
            EnrollmentToken = token,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
        }, FileLoggerProvider.Factory);
        var options = new GatewayHostOptions
        {
            Gateway = new GatewayOptions { DataDirectory = Path.Combine(_directory, "gateway"), TreeHeight = 5 },
            GatewayId = GatewayId,
            PnId = PnId,
            Port = _port,
            PairingPort = _pairingPort,
        };
        var host = await GatewayHost.StartAsync(options, link, FileLoggerProvider.Factory, cancellationToken: ct);
        try
        {
            await link.StartAsync(host, ct);
        }
        catch
        {
            await link.DisposeAsync();
            await host.DisposeAsync();
            throw;
        }

        Host = host;
        Link = link;
        _port = host.PnEndpoint.Port;
        _pairingPort = host.PairingEndpoint.Port;
    }

    public async Task StopGatewayAsync()
    {
        await Link.DisposeAsync();
        await Host.DisposeAsync();
    }

    public async Task<DeviceClient> PairAsync(string pneId)
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = Host.StartPairing(pneId + " alias");
        var options = new DeviceClientOptions
        {
            DataDirectory = Path.Combine(_directory, "devices", pneId),
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            GkdkTimeout = TimeSpan.FromSeconds(20),
        };
        var device = await DeviceClient.PairAsync(options, ticket.Code, Host.PairingEndpoint, pneId, loggerFactory: FileLoggerProvider.Factory, cancellationToken: ct);
        device.GroupKeyHandled = (group, epoch, status) => Handled.Enqueue((pneId, group, epoch, status));
        Devices.Add(pneId, device);
        await device.StartAsync(Host.PnEndpoint, ct);
        return device;
    }

    /// <summary>The epoch of the key the device's own store holds for the group, 0 when none (never seen or deleted).</summary>
    public async Task<ulong> EpochAsync(string pneId, string groupId)
    {
        var info = await Devices[pneId].Store.GetGroupAsync(groupId, TestContext.Current.CancellationToken);
        return info is { Status: GroupKeyStatus.Active } ? info.Epoch : 0;
    }

    public async Task<GroupKeyInfo?> InfoAsync(string pneId, string groupId) =>
        await Devices[pneId].Store.GetGroupAsync(groupId, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var device in Devices.Values)
        {
            await device.DisposeAsync();
        }

        await Link.DisposeAsync();
        await Host.DisposeAsync();
    }
}
