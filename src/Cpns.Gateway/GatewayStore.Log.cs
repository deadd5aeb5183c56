using Microsoft.Extensions.Logging;

namespace Cpns.Gateway;

public sealed partial class GatewayStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Gateway state opened at {Path} (gateway {GatewayId})")]
        public static partial void Opened(ILogger logger, string path, string gatewayId);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Gateway identity initialized: gateway {GatewayId}, PN {PnId}")]
        public static partial void IdentityInitialized(ILogger logger, string gatewayId, string pnId);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Per-gateway key stored for gateway {GatewayId}")]
        public static partial void GatewayKeyStored(ILogger logger, string gatewayId);
    }
}
