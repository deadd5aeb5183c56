using Cpns.Server.Domain;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Deliveries;

internal sealed partial class DeliveryDispatcher
{
    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Sent {Kind} of group {GroupId} epoch {Epoch} to gateway {GatewayId} (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, DeliveryKind kind, Guid groupId, long epoch, string gatewayId, int attempt);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Publishing group {GroupId} epoch {Epoch} to gateway {GatewayId} failed, will re-send: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, Guid groupId, long epoch, string gatewayId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "Delivery of group {GroupId} epoch {Epoch} to gateway {GatewayId} failed")]
    private static partial void LogSendFailed(ILogger logger, Guid groupId, long epoch, string gatewayId, Exception exception);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error, Message = "Delivery pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Delivery pass skipped: the database is unavailable ({Error}: {Reason}); trying at the next tick")]
    private static partial void LogPassDatabaseUnavailable(ILogger logger, string error, string reason);
}
