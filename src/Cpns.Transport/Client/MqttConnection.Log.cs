using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Cpns.Transport;

public sealed partial class MqttConnection
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "{ClientId} connected (session present: {SessionPresent}, connect #{Count})")]
    private static partial void LogConnected(ILogger logger, string clientId, bool sessionPresent, long count);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{ClientId} connect attempt {Attempt} failed, retrying in {Delay}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string clientId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "{ClientId} disconnected ({Reason} {ReasonString})")]
    private static partial void LogDisconnected(ILogger logger, string clientId, MqttClientDisconnectReason reason, string? reasonString);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "{ClientId} connected callback failed")]
    private static partial void LogConnectedCallbackFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "{ClientId} message handler failed for {Topic}")]
    private static partial void LogHandlerFailed(ILogger logger, string clientId, string topic, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "{ClientId} re-subscription to {Filter} refused: {Reason}")]
    private static partial void LogResubscribeRefused(ILogger logger, string clientId, string filter, string reason);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "{ClientId} connection lost while the handler for {Topic} answered on it; the answer was not sent (the peer sends again): {Reason}")]
    private static partial void LogHandlerAbandoned(ILogger logger, string clientId, string topic, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "{ClientId} operation interrupted, retrying after reconnect: {Reason}")]
    private static partial void LogOperationRetry(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "{ClientId} refused the broker's certificate: {Reason}")]
    private static partial void LogBrokerCertificateRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 208, Level = LogLevel.Debug, Message = "{ClientId} graceful disconnect failed: {Reason}")]
    private static partial void LogDisconnectFailed(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "{ClientId} had no answer to a keep-alive ping within {Interval}; closing the link to reconnect: {Reason}")]
    private static partial void LogKeepAliveFailed(ILogger logger, string clientId, TimeSpan interval, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Debug, Message = "{ClientId} keep-alive ping ended with the connection: {Reason}")]
    private static partial void LogKeepAliveEnded(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "{ClientId} could not acknowledge a message on {Topic}; the broker delivers it again: {Reason}")]
    private static partial void LogAcknowledgeFailed(ILogger logger, string clientId, string topic, string reason);
}
