using System.Net;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace Cpns.Transport;

public sealed partial class MqttBroker
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Connection from {Remote} (client id {ClientId}) refused: {Reason}")]
    private static partial void LogConnectionRefused(ILogger logger, EndPoint? remote, string? clientId, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "{Action} by {ClientId} on {Topic} refused: {Reason}")]
    private static partial void LogOperationRefused(ILogger logger, TopicAction action, string? clientId, string? topic, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Authorization policy threw for {ClientId}; refusing")]
    private static partial void LogPolicyFailed(ILogger logger, string? clientId, Exception exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Client {ClientId} connected from {Remote}")]
    private static partial void LogClientConnected(ILogger logger, string clientId, EndPoint? remote);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "Client {ClientId} disconnected ({DisconnectType})")]
    private static partial void LogClientDisconnected(ILogger logger, string clientId, MqttClientDisconnectType disconnectType);

    [LoggerMessage(EventId = 115, Level = LogLevel.Information, Message = "Loaded {Count} retained messages from {Path}")]
    private static partial void LogRetainedLoaded(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "Could not load retained messages from {Path}; starting empty")]
    private static partial void LogRetainedLoadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 117, Level = LogLevel.Warning, Message = "Could not save retained messages to {Path}")]
    private static partial void LogRetainedSaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 118, Level = LogLevel.Information, Message = "Broker on {EndPoint} stopped")]
    private static partial void LogStopped(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 119, Level = LogLevel.Warning, Message = "The client-connected callback failed for {ClientId}")]
    private static partial void LogClientConnectedCallbackFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "The local receiver failed on a message from {ClientId} on {Topic}; answered UnspecifiedError")]
    private static partial void LogLocalReceiverFailed(ILogger logger, string clientId, string topic, Exception exception);
}
