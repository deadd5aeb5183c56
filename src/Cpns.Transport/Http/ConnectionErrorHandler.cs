using System.Net.Sockets;

namespace Cpns.Transport.Http;

/// <summary>
/// An HTTP message handler that reports every broken connection as an <see cref="HttpRequestException"/>, the error
/// callers of <see cref="HttpClient"/> are written to expect.
/// </summary>
/// <remarks>
/// <see cref="SocketsHttpHandler"/> (.NET 10) reads the peer's address right after a connection is set up, outside the
/// code that wraps socket errors. When the server dies between accepting the connection and that read (a killed or
/// crashing process resets the connections it has not served yet), <c>getpeername</c> fails and a bare
/// <see cref="SocketException"/> ("Transport endpoint is not connected") escapes <c>SendAsync</c>. Code that retries on
/// <see cref="HttpRequestException"/> then stops instead; a fault test of ours failed on exactly that in CI.
/// </remarks>
public sealed class ConnectionErrorHandler : DelegatingHandler
{
    /// <summary>Wraps a new <see cref="SocketsHttpHandler"/>.</summary>
    public ConnectionErrorHandler()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Wraps <paramref name="innerHandler"/>, which the new handler owns (disposes).</summary>
    /// <param name="innerHandler">The handler that sends the requests, usually a configured <see cref="SocketsHttpHandler"/>.</param>
    public ConnectionErrorHandler(HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Wrap(request, e);
        }
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return base.Send(request, cancellationToken);
        }
        catch (SocketException e)
        {
            throw Wrap(request, e);
        }
    }

    private static HttpRequestException Wrap(HttpRequestMessage request, SocketException e) =>
        new(HttpRequestError.ConnectionError, $"The connection to {request.RequestUri?.GetLeftPart(UriPartial.Authority)} broke: {e.Message}", e);
}
