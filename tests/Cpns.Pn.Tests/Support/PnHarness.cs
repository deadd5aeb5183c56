using System.Collections.Concurrent;
using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Device.Client;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Pn.Tests.Support;

/// <summary>
/// A real PN on 127.0.0.1: a <see cref="GatewayHost"/> on a real data directory (SQLite, key files, PN CA, PN
/// broker over TLS), real <see cref="DeviceClient"/>s paired over the pairing listener, and the server's side of
/// the per-gateway key to make Group Key Notifications.
/// </summary>
internal sealed class PnHarness : IAsyncDisposable
{
    public const string GatewayId = "gw-test";
    public const string PnId = "pn-test";

    private readonly List<DeviceClient> _devices = [];
    private readonly byte[] _gatewayKey = RandomNumberGenerator.GetBytes(WrappingKey.KeySize);

    private PnHarness(TempDirectory directory) => Directory = directory;

    public TempDirectory Directory { get; }

    public GatewayHost Host { get; private set; } = null!;

    public RecordingUplink Uplink { get; } = new();

    public ListLoggerProvider Logs { get; } = new();

    public ConcurrentQueue<(string Topic, byte[] Payload, bool Inbound)> Wire { get; } = new();

    public int Port { get; private set; }

    public int PairingPort { get; private set; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<PnHarness> StartAsync()
    {
        var harness = new PnHarness(new TempDirectory());
        await harness.StartHostAsync(0, 0);
        using var key = WrappingKey.Import(harness._gatewayKey);
        await harness.Host.Store.SetGatewayKeyAsync(key, Ct);
        return harness;
    }

    public async Task RestartHostAsync()
    {
        await Host.DisposeAsync();
        await StartHostAsync(Port, PairingPort);
    }

    public async Task<DeviceClient> PairDeviceAsync(string pneId, bool start = true)
    {
        var ticket = Host.StartPairing(pneId + " alias");
        var device = await DeviceClient.PairAsync(DeviceOptions(pneId), ticket.Code, Host.PairingEndpoint, pneId, loggerFactory: Logs.Factory, cancellationToken: Ct);
        _devices.Add(device);
        if (start)
        {
            await device.StartAsync(Host.PnEndpoint, Ct);
        }

        return device;
    }

    public async Task<DeviceClient> ReopenDeviceAsync(DeviceClient device)
    {
        var pneId = device.PneId;
        await device.DisposeAsync();
        _devices.Remove(device);
        var reopened = await DeviceClient.OpenAsync(DeviceOptions(pneId), Logs.Factory, Ct);
        _devices.Add(reopened);
        await reopened.StartAsync(Host.PnEndpoint, Ct);
        return reopened;
    }

    /// <summary>A bare MQTT client of the PN broker with a certificate of the PN CA for <paramref name="identity"/> (registered or not): sends what a device would not.</summary>
    public async Task<MqttConnection> ConnectRawAsync(string identity)
    {
        using var key = ClientKeyPair.Create();
        using var issued = Host.CertificateAuthority.Authority.IssueClientCertificate(identity, key.CreateSigningRequest(identity));
        var connection = new MqttConnection(new MqttConnectionOptions
        {
            Broker = Host.PnEndpoint,
            ClientId = identity,
            ClientCertificate = key.AttachCertificate(issued),
            CaCertificate = Host.CaCertificate,
            PersistentSession = false,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
        connection.Start();
        await connection.WaitUntilConnectedAsync(Ct);
        return connection;
    }

    public DeviceClientOptions DeviceOptions(string pneId) => new()
    {
        DataDirectory = Path.Combine(Directory.Path, "devices", pneId),
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        GkdkTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>What the server link will do: wrap the GK under the per-gateway key and hand the notification to the host.</summary>
    public async Task<Envelope> NotifyAsync(string groupId, ulong epoch, IEnumerable<string> members, GroupKeyReason reason = GroupKeyReason.Created, byte[]? keyBytes = null)
    {
        keyBytes ??= RandomNumberGenerator.GetBytes(GroupKey.KeySize);
        using var key = WrappingKey.Import(_gatewayKey);
        var notification = new GroupKeyNotification
        {
            GroupId = groupId,
            Epoch = epoch,
            Reason = reason,
            WrappedGroupKey = ByteString.CopyFrom(key.Seal(keyBytes, EndToEndAssociatedData.GroupKeyToGateway(GatewayId, groupId, epoch))),
            Scheme = Protocol.V1.BroadcastScheme.SubsetDifference,
        };
        notification.MemberPneIds.AddRange(members);
        var envelope = EnvelopeCodec.CreateEnvelope(notification, "cpns-server");
        var response = await Host.HandleServerEnvelopeAsync(EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope)), Ct);
        Assert.NotNull(response);
        return response;
    }

    public IEnumerable<(string Topic, Envelope Envelope, bool Inbound)> WireEnvelopes() =>
        Wire.Where(w => w.Payload.Length > 0 && w.Payload[0] == 0x08)
            .Select(w => (w.Topic, Ok: EnvelopeCodec.TryDecode(w.Payload, out var e, out _), e, w.Inbound))
            .Where(x => x.Ok)
            .Select(x => (x.Topic, x.e!, x.Inbound));

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutMs = 30_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting for: " + what);
            }

            await Task.Delay(25, Ct);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, int timeoutMs = 30_000) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, timeoutMs);

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        await Host.DisposeAsync();
        Directory.Dispose();
    }

    private async Task StartHostAsync(int port, int pairingPort)
    {
        var options = new GatewayHostOptions
        {
            Gateway = new GatewayOptions { DataDirectory = Path.Combine(Directory.Path, "gateway"), TreeHeight = 6 },
            GatewayId = GatewayId,
            PnId = PnId,
            Port = port,
            PairingPort = pairingPort,
        };
        Host = await GatewayHost.StartAsync(options, Uplink, Logs.Factory, cancellationToken: Ct);
        Host.WireTap = (topic, payload, inbound) => Wire.Enqueue((topic, payload.ToArray(), inbound));
        Port = Host.PnEndpoint.Port;
        PairingPort = Host.PairingEndpoint.Port;
    }
}
