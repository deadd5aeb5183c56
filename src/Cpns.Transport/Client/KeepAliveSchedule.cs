using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Implementations;

namespace Cpns.Transport;

/// <summary>
/// One connection's keep-alive: what its CONNECT announces, what the broker asked for, and when it last sent a packet.
/// It makes the channels of that connection (one per connect) through MQTTnet's own factory.
/// </summary>
/// <remarks>
/// MQTTnet polls the keep-alive of every client every 250 ms with a timer of its own. The load tool's fleet hosts
/// thousands of clients in one process; with <see cref="KeepAliveClock"/> looking at all of them in one tick instead,
/// it spent 0.82x the CPU per delivery (bench/results/load-notes.md, fix 18).
/// </remarks>
internal sealed class KeepAliveSchedule : IMqttClientAdapterFactory
{
    private static readonly MqttClientAdapterFactory s_channels = new();
    private long _intervalMs;
    private long _lastSent = Environment.TickCount64;

    /// <param name="keepAlive">The keep-alive to announce: zero (none), or 1 s to 65,535 s.</param>
    public KeepAliveSchedule(TimeSpan keepAlive)
    {
        AnnouncedSeconds = checked((ushort)keepAlive.TotalSeconds);
        _intervalMs = AnnouncedSeconds * 1000L;
    }

    /// <summary>The keep-alive the CONNECT packet carries, in seconds (0: none).</summary>
    public ushort AnnouncedSeconds { get; }

    /// <summary>The keep-alive in force: the broker's Server Keep Alive if it sent one, else the announced one.</summary>
    public TimeSpan Interval => TimeSpan.FromMilliseconds(Volatile.Read(ref _intervalMs));

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger) =>
        new KeepAliveChannel(s_channels.CreateClientAdapter(options, packetInspector, logger), this);

    /// <summary>The broker accepted a CONNECT; <paramref name="serverKeepAlive"/> is its Server Keep Alive (0: none sent).</summary>
    public void Connected(ushort serverKeepAlive) =>
        Volatile.Write(ref _intervalMs, (serverKeepAlive > 0 ? serverKeepAlive : AnnouncedSeconds) * 1000L);

    /// <summary>A packet is on its way to the broker.</summary>
    public void Sent() => Volatile.Write(ref _lastSent, Environment.TickCount64);

    /// <summary>
    /// Whether a PINGREQ is due at <paramref name="now"/> (<see cref="Environment.TickCount64"/>): nothing sent for
    /// three quarters of the interval, so that with the clock's tick the ping still leaves well inside the interval.
    /// </summary>
    public bool IsPingDue(long now)
    {
        var interval = Volatile.Read(ref _intervalMs);
        return interval > 0 && now - Volatile.Read(ref _lastSent) >= interval * 3 / 4;
    }
}
