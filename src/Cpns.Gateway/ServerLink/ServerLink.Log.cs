using Cpns.Protocol;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.ServerLink;

public sealed partial class ServerLink
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Gateway {GatewayId} enrolled with the server {Server}; broker {Mqtt}")]
        public static partial void Enrolled(ILogger logger, string gatewayId, string server, string mqtt);

        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Gateway {GatewayId} uses its stored server certificate; broker {Mqtt}")]
        public static partial void CredentialsLoaded(ILogger logger, string gatewayId, string mqtt);

        [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Connected to the server broker (connect {Count}): SyncRequest with {Groups} groups and PnInventoryReport with {Pnes} PNEs sent")]
        public static partial void Synced(ILogger logger, long count, int groups, int pnes);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "SyncResponse: {Latest} latest notifications, {Deletes} deletes")]
        public static partial void SyncResponse(ILogger logger, int latest, int deletes);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Debug, Message = "{Body} from the server handled; answered {Answer}")]
        public static partial void Handled(ILogger logger, string body, string answer);

        [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Message from the server refused: {Error}")]
        public static partial void Refused(ILogger logger, ProtocolError error);

        [LoggerMessage(EventId = 6106, Level = LogLevel.Error, Message = "Handling a message from the server failed; going on")]
        public static partial void HandlingFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 6107, Level = LogLevel.Debug, Message = "Server link not started: {Body} not sent")]
        public static partial void NotStarted(ILogger logger, string body);

        [LoggerMessage(EventId = 6108, Level = LogLevel.Error, Message = "Sending to the server failed; going on")]
        public static partial void SendFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 6109, Level = LogLevel.Error, Message = "Sync after connect failed; the next reconnect tries again")]
        public static partial void SyncFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 6110, Level = LogLevel.Debug, Message = "PnInventoryAck from the server: {Status}")]
        public static partial void InventoryAcknowledged(ILogger logger, string status);
    }
}
