using System.Net;
using Microsoft.Extensions.Logging;

namespace Cpns.Transport;

internal sealed partial class TlsServerAdapter
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Broker listening ({Kind}) on {EndPoint}")]
    private static partial void LogListening(ILogger logger, TlsListenerKind kind, IPEndPoint endPoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Accept failed on {EndPoint}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "TLS handshake ({Kind}) with {Remote} failed: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, TlsListenerKind kind, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Client certificate of {Remote} refused: {Reason}")]
    private static partial void LogClientCertificateRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Connection from {Remote} failed")]
    private static partial void LogConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);
}
