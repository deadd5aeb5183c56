namespace Cpns.Transport;

/// <summary>
/// The one timer of a process that drives the keep-alive of all its <see cref="MqttConnection"/>s: every tick, each
/// connection whose <see cref="KeepAliveSchedule"/> says a ping is due sends one.
/// </summary>
internal static class KeepAliveClock
{
    // How often the connections are looked at; with a 1 s keep-alive a ping still leaves within 1.25 s.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    private static readonly Lock s_lock = new();

    // Copied on every change, which is rare (a connection's start and end), so a tick reads it without a lock.
    private static MqttConnection[] s_connections = [];
    private static Timer? s_timer;
    private static int s_ticking;

    public static void Add(MqttConnection connection)
    {
        lock (s_lock)
        {
            s_connections = [.. s_connections, connection];
            s_timer ??= new Timer(static _ => OnTick(), null, Tick, Tick);
        }
    }

    public static void Remove(MqttConnection connection)
    {
        lock (s_lock)
        {
            var index = Array.IndexOf(s_connections, connection);
            if (index < 0)
            {
                return;
            }

            s_connections = [.. s_connections.AsSpan(0, index), .. s_connections.AsSpan(index + 1)];
            if (s_connections.Length == 0)
            {
                s_timer?.Dispose();
                s_timer = null;
            }
        }
    }

    private static void OnTick()
    {
        // A tick that outlasts the period (a stalled process) is not stacked up behind.
        if (Interlocked.Exchange(ref s_ticking, 1) != 0)
        {
            return;
        }

        try
        {
            var now = Environment.TickCount64;
            foreach (var connection in Volatile.Read(ref s_connections))
            {
                connection.OnKeepAliveTick(now);
            }
        }
        finally
        {
            Volatile.Write(ref s_ticking, 0);
        }
    }
}
