using Microsoft.Extensions.Logging;

namespace Cpns.Server.Rotation;

internal sealed partial class PeriodicRotationService
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Periodic rotation of group {GroupId} failed")]
    private static partial void LogRotationFailed(ILogger logger, Guid groupId, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Periodic rotation sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Periodic rotation sweep skipped: the database is unavailable ({Error}: {Reason}); trying at the next tick")]
    private static partial void LogSweepDatabaseUnavailable(ILogger logger, string error, string reason);
}
