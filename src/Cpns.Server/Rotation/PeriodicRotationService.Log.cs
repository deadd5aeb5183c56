using Microsoft.Extensions.Logging;

namespace Cpns.Server.Rotation;

internal sealed partial class PeriodicRotationService
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Periodic rotation of group {GroupId} failed")]
    private static partial void LogRotationFailed(ILogger logger, Guid groupId, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Periodic rotation sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
