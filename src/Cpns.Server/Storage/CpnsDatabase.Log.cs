using Microsoft.Extensions.Logging;

namespace Cpns.Server.Storage;

internal sealed partial class CpnsDatabase
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Database migrated ({Provider})")]
    private static partial void LogMigrated(ILogger logger, string provider);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Write conflict on attempt {Attempt} ({Error}); retrying on fresh state")]
    private static partial void LogConflictRetry(ILogger logger, int attempt, string error);
}
