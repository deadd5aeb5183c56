using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace Cpns.Transport;

/// <summary>
/// MQTTnet's channel to the broker with the keep-alive taken over by <see cref="KeepAliveSchedule"/>: CONNECT
/// announces the connection's keep-alive although MQTTnet was told none (so it runs no poll of its own), a CONNACK's
/// Server Keep Alive goes to the schedule instead of MQTTnet, and every packet sent is timed.
/// </summary>
internal sealed class KeepAliveChannel(IMqttChannelAdapter inner, KeepAliveSchedule schedule) : IMqttChannelAdapter
{
    // A channel serves one connect, so only packets until its CONNACK need a look; the rest pass straight through.
    private bool _connAckSeen;

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        var received = inner.ReceivePacketAsync(cancellationToken);
        return _connAckSeen ? received : ReceiveUntilConnAckAsync(received);
    }

    public void ResetStatistics() => inner.ResetStatistics();

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttConnectPacket connect)
        {
            connect.KeepAlivePeriod = schedule.AnnouncedSeconds;
        }

        schedule.Sent();
        return inner.SendPacketAsync(packet, cancellationToken);
    }

    public void Dispose() => inner.Dispose();

    private async Task<MqttPacket> ReceiveUntilConnAckAsync(Task<MqttPacket> received)
    {
        var packet = await received.ConfigureAwait(false);
        if (packet is MqttConnAckPacket connAck)
        {
            // MQTT 5 (3.2.2.3.14): the client must use the broker's value; MQTTnet would poll with it, so it never sees it.
            schedule.Connected(connAck.ServerKeepAlive);
            connAck.ServerKeepAlive = 0;
            _connAckSeen = true;
        }

        return packet;
    }
}
