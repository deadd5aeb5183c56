using System.Collections.Concurrent;
using Cpns.Device.Client;
using Cpns.Device.Groups;
using Cpns.Device.Storage;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Gateway.ServerLink;
using GatewayServerLink = Cpns.Gateway.ServerLink.ServerLink;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// One PN: a real <see cref="GatewayHost"/> on its own data directory with a real <see cref="GatewayServerLink"/>, and real
/// <see cref="DeviceClient"/>s paired over its pairing listener, every part logging into the bed's capture. Every
/// payload the gateway publishes or receives on its PN broker is kept in <see cref="Wire"/> (what an eavesdropper
/// inside the PN sees). Adapted from tests/Cpns.EndToEnd.Tests/Support/PnNode.cs.
/// </summary>
internal sealed class PnNode : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Uri _server;
    private readonly LogCapture _logs;

    private PnNode(string gatewayId, string directory, Uri server, LogCapture logs)
    {
        GatewayId = gatewayId;
        PnId = "pn-" + gatewayId;
        _directory = directory;
        _server = server;
        _logs = logs;
    }

    public string GatewayId { get; }

    public string PnId { get; }

    public string GatewayDirectory => Path.Combine(_directory, "gateway");

    public GatewayHost Host { get; private set; } = null!;

    public GatewayServerLink Link { get; private set; } = null!;

    public Dictionary<string, DeviceClient> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>The pairing codes shown for each device (secrets the scan looks for).</summary>
    public List<string> PairingCodes { get; } = [];

    /// <summary>Every payload on the PN broker the gateway published (outbound) or received (inbound).</summary>
    public ConcurrentQueue<(string Topic, byte[] Payload, bool Inbound)> Wire { get; } = new();

    /// <summary>Every Group Key broadcast each device handled: group, epoch, outcome.</summary>
    public ConcurrentQueue<(string PneId, string GroupId, ulong Epoch, GroupKeyReceiveStatus Status)> Handled { get; } = new();

    public static async Task<PnNode> StartAsync(string gatewayId, string directory, Uri server, string token, LogCapture logs, string? serverCaPath = null)
    {
        var node = new PnNode(gatewayId, directory, server, logs);
        var ct = TestContext.Current.CancellationToken;
        var link = new GatewayServerLink(new ServerLinkOptions
        {
            Server = server,
            EnrollmentToken = token,
            ServerCaPath = serverCaPath,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
        }, logs);
        var options = new GatewayHostOptions
        {
            Gateway = new GatewayOptions { DataDirectory = node.GatewayDirectory, TreeHeight = 5 },
            GatewayId = gatewayId,
            PnId = node.PnId,
            Port = 0,
            PairingPort = 0,
        };
        var host = await GatewayHost.StartAsync(options, link, logs, cancellationToken: ct);
        host.WireTap = (topic, payload, inbound) => node.Wire.Enqueue((topic, payload.ToArray(), inbound));
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

        node.Host = host;
        node.Link = link;
        return node;
    }

    public DeviceClientOptions DeviceOptions(string pneId) => new()
    {
        DataDirectory = Path.Combine(_directory, "devices", pneId),
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        GkdkTimeout = TimeSpan.FromSeconds(20),
    };

    public async Task<DeviceClient> PairAsync(string pneId)
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = Host.StartPairing(pneId + " alias");
        PairingCodes.Add(ticket.Code);
        var device = await DeviceClient.PairAsync(DeviceOptions(pneId), ticket.Code, Host.PairingEndpoint, pneId, loggerFactory: _logs, cancellationToken: ct);
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

    /// <summary>The retained broadcasts the gateway published on the group's PN topic, oldest first.</summary>
    public IReadOnlyList<byte[]> Broadcasts(string groupId) =>
        [.. Wire.Where(w => !w.Inbound && w.Topic == Cpns.Transport.Topics.PnGroup(PnId, groupId) && w.Payload.Length > 0).Select(w => w.Payload)];

    public async ValueTask DisposeAsync()
    {
        foreach (var device in Devices.Values)
        {
            await device.DisposeAsync();
        }

        Devices.Clear();
        await Link.DisposeAsync();
        await Host.DisposeAsync();
    }
}
