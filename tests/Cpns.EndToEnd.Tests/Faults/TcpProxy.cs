using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// A TCP forwarder on a loopback port in front of one service (PostgreSQL here). <see cref="CloseAsync"/> makes the service
/// unreachable the way a stopped server is, for this client only: the port refuses connections and every open
/// connection is reset. <see cref="Open"/> listens again on the same port. Nobody else using the service notices.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _accepting = Task.CompletedTask;
    private int _accepted;

    public TcpProxy(IPEndPoint target)
    {
        _target = target;
        Open();
    }

    public int Port { get; private set; }

    /// <summary>Connections accepted since the proxy was made.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public void Open()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(listener, _stop.Token);
    }

    /// <summary>Stops listening and resets every forwarded connection.</summary>
    public async Task CloseAsync()
    {
        if (_listener is not { } listener)
        {
            return;
        }

        _listener = null;
        await _stop!.CancelAsync();
        listener.Stop();
        foreach (var socket in _sockets.Keys)
        {
            Reset(socket);
        }

        await _accepting;
        _stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await CloseAsync();

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0: the peer sees a reset at once, as when the server process is gone.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = ForwardAsync(client, cancellationToken);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken cancellationToken)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _sockets[client] = 0;
        _sockets[server] = 0;
        try
        {
            await server.ConnectAsync(_target, cancellationToken);
            using var a = new NetworkStream(client, ownsSocket: false);
            using var b = new NetworkStream(server, ownsSocket: false);
            await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _sockets.TryRemove(client, out _);
            _sockets.TryRemove(server, out _);
            Reset(client);
            Reset(server);
        }
    }
}
