using Microsoft.Extensions.Logging;

namespace Cpns.Server.Mqtt;

internal sealed partial class UplinkHandler
{
    // The detail names message types and protocol error codes only, never payload bytes.
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Refused a message from gateway {GatewayId}: {Reason} ({Detail})")]
    private static partial void LogRefused(ILogger logger, string gatewayId, string reason, string detail);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Handling {Body} from gateway {GatewayId} failed")]
    private static partial void LogHandlingFailed(ILogger logger, string gatewayId, string body, Exception exception);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "{Body} from gateway {GatewayId} not handled: the database is unavailable ({Error})")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string body, string gatewayId, string error);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Gateway {GatewayId} reported PN {PnId}: {Added} PNEs registered, {Removed} removed")]
    private static partial void LogInventory(ILogger logger, string gatewayId, string pnId, int added, int removed);
}
