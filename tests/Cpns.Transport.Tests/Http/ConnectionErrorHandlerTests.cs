using System.Net;
using System.Net.Sockets;
using Cpns.Transport.Http;

namespace Cpns.Transport.Tests.Http;

/// <summary>
/// A server that resets a connection between accepting it and serving it, as a killed server does to the
/// connections in its listen queue. The reset is made to land exactly where .NET reads the peer's address: the
/// connect callback returns the socket only once the reset has arrived.
/// </summary>
public sealed class ConnectionErrorHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAsync_ServerResetsTheNewConnection_ThrowsHttpRequestExceptionWithTheSocketError()
    {
        using var listener = Listen(out var address);
        using var http = new HttpClient(new ConnectionErrorHandler(ResettingHandler(listener)));

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(address, Ct));

        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Equal(SocketError.NotConnected, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
        Assert.Contains(address.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Why the handler exists: the runtime alone lets the bare socket error through. Should a later .NET wrap it
    /// itself, this fails, and <see cref="ConnectionErrorHandler"/> can go.
    /// </summary>
    [Fact]
    public async Task SendAsync_WithoutTheHandler_TheRuntimeLetsABareSocketExceptionThrough()
    {
        using var listener = Listen(out var address);
        using var http = new HttpClient(ResettingHandler(listener));

        var e = await Assert.ThrowsAsync<SocketException>(() => http.GetAsync(address, Ct));

        Assert.Equal(SocketError.NotConnected, e.SocketErrorCode);
    }

    [Fact]
    public async Task SendAsync_ServerAnswers_PassesTheResponseThrough()
    {
        using var listener = Listen(out var address);
        var serve = Task.Run(
            async () =>
            {
                using var client = await listener.AcceptAsync(Ct);
                var request = new byte[4096];
                _ = await client.ReceiveAsync(request, SocketFlags.None, Ct);
                await client.SendAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, Ct);
            },
            Ct);
        using var http = new HttpClient(new ConnectionErrorHandler());

        using var response = await http.GetAsync(address, Ct);
        await serve;

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static Socket Listen(out Uri address)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
        return listener;
    }

    // Connects, then closes the listener without accepting: the kernel resets the queued connection. The socket is
    // handed to the runtime once the reset has arrived (it reads as readable), so the runtime's next look at it fails.
    private static SocketsHttpHandler ResettingHandler(Socket listener) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            listener.Close();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!socket.Poll(TimeSpan.FromMilliseconds(10), SelectMode.SelectRead))
            {
                Assert.True(DateTime.UtcNow < deadline, "The reset did not arrive.");
            }

            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
