using Microsoft.Extensions.Logging;

namespace Cpns.Server.Enrollment;

internal sealed partial class EnrollmentService
{
    // Only the token's id is ever logged, never the token.
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Enrollment token {TokenId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string tokenId, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Enrollment token {TokenId} redeemed for gateway {GatewayId}")]
    private static partial void LogRedeemed(ILogger logger, string tokenId, string gatewayId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Gateway {GatewayId} enrolled (certificate {Serial}, re-enrollment: {Reenrolled})")]
    private static partial void LogEnrolled(ILogger logger, string gatewayId, string serial, bool reenrolled);
}
