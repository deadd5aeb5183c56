using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cpns.Transport.Tests;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a broker that can go silent the way a dead network does: bytes are
/// swallowed and nobody is told, no reset, no close. It also counts the TLS records it forwards each way.
/// </summary>
internal sealed class SilentProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly TaskCompletionSource _brokerClosedSilencedLink = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private volatile bool _refuseNewLinks;

    public SilentProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect instead of the broker.</summary>
    public MqttBrokerEndpoint Endpoint => MqttBrokerEndpoint.Parse($"mqtts://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>TLS records forwarded so far from the clients to the broker, over all links.</summary>
    public int RecordsFromClients => _links.Keys.Sum(l => l.FromClient.Records);

    /// <summary>TLS records forwarded so far from the broker to the clients, over all links.</summary>
    public int RecordsFromBroker => _links.Keys.Sum(l => l.FromBroker.Records);

    /// <summary>Completes when the broker closed a link whose client had gone silent.</summary>
    public Task BrokerClosedSilencedLink => _brokerClosedSilencedLink.Task;

    /// <summary>The links open now stop carrying anything either way; links made later work.</summary>
    public void SilenceBothWays()
    {
        foreach (var link in _links.Keys)
        {
            link.ClientSilenced = true;
            link.BrokerSilenced = true;
        }
    }

    /// <summary>
    /// What the clients of the links open now send (their closing too) no longer reaches the broker, while the broker
    /// still reaches them; new links are refused, so a client cannot take over its session on another one.
    /// </summary>
    public void SilenceClients()
    {
        _refuseNewLinks = true;
        foreach (var link in _links.Keys)
        {
            link.ClientSilenced = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var link in _links.Keys)
        {
            link.Close();
        }

        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_refuseNewLinks)
            {
                client.Close();
                continue;
            }

            var broker = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await broker.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Close();
                broker.Dispose();
                continue;
            }

            var link = new Link(client, broker);
            _links[link] = 0;
            _ = PumpAsync(link, client, broker, fromClient: true);
            _ = PumpAsync(link, broker, client, fromClient: false);
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to, bool fromClient)
    {
        var buffer = new byte[16 * 1024];
        var forwarding = true;
        while (true)
        {
            int read;
            try
            {
                read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                read = 0;
            }

            var silenced = fromClient ? link.ClientSilenced : link.BrokerSilenced;
            if (read == 0)
            {
                if (!fromClient && link.ClientSilenced && !_stop.IsCancellationRequested)
                {
                    _brokerClosedSilencedLink.TrySetResult();
                }

                if (!silenced)
                {
                    Shutdown(to);
                }

                return;
            }

            if (!silenced && forwarding)
            {
                (fromClient ? link.FromClient : link.FromBroker).Add(buffer.AsSpan(0, read));
                try
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    // The other end has gone; keep reading this one to see when it ends.
                    forwarding = false;
                }
            }
        }
    }

    private static void Shutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed class Link(Socket client, Socket broker)
    {
        public volatile bool ClientSilenced;
        public volatile bool BrokerSilenced;

        public TlsRecordCounter FromClient { get; } = new();

        public TlsRecordCounter FromBroker { get; } = new();

        public void Close()
        {
            client.Dispose();
            broker.Dispose();
        }
    }
}
