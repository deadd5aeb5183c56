using Microsoft.Extensions.Logging;

namespace Cpns.Server.Mqtt;

internal sealed partial class GatewayLink
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {EndPoint}")]
    private static partial void LogEmbeddedBroker(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Using the external MQTT broker {Broker} as client {ClientId}")]
    private static partial void LogExternalBroker(ILogger logger, string broker, string clientId);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Not subscribed to gateway uplinks on {Broker} after {Timeout}; still trying in the background")]
    private static partial void LogSubscriptionPending(ILogger logger, string broker, TimeSpan timeout);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Error, Message = "Subscription to gateway uplinks failed")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception);
}
