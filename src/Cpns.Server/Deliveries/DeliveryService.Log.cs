using Microsoft.Extensions.Logging;

namespace Cpns.Server.Deliveries;

internal sealed partial class DeliveryService
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Gateway {GatewayId} acknowledged group {GroupId} epoch {Epoch}")]
    private static partial void LogAcknowledged(ILogger logger, Guid groupId, long epoch, string gatewayId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Acknowledgement of group {GroupId} epoch {Epoch} by gateway {GatewayId} ignored: not pending")]
    private static partial void LogAcknowledgeIgnored(ILogger logger, Guid groupId, long epoch, string gatewayId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Gateway {GatewayId} answered {Status} for group {GroupId} epoch {Epoch}; the delivery stays pending")]
    private static partial void LogGatewayFailed(ILogger logger, string gatewayId, Guid groupId, long epoch, string status);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Gateway {GatewayId} reported {Count} PNE deliveries for group {GroupId} epoch {Epoch}")]
    private static partial void LogReport(ILogger logger, string gatewayId, Guid groupId, long epoch, int count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Delivery of group {GroupId} epoch {Epoch} to gateway {GatewayId} waits for the gateway to enroll")]
    private static partial void LogWaitingForEnrollment(ILogger logger, Guid groupId, long epoch, string gatewayId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Delivery of group {GroupId} epoch {Epoch} to gateway {GatewayId} is moot (no member left, or no key); superseded")]
    private static partial void LogMoot(ILogger logger, Guid groupId, long epoch, string gatewayId);
}
