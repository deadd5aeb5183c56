using Microsoft.Extensions.Logging;

namespace Cpns.Server.Deliveries;

internal sealed partial class DeliveryService
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Gateway {GatewayId} acknowledged group {GroupId} epoch {Epoch}")]
    private static partial void LogAcknowledged(ILogger logger, Guid groupId, long epoch, string gatewayId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Acknowledgement of group {GroupId} epoch {Epoch} by gateway {GatewayId} ignored: not pending")]
    private static partial void LogAcknowledgeIgnored(ILogger logger, Guid groupId, long epoch, string gatewayId);
}
