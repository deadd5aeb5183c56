using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Api;

internal sealed partial class ProblemExceptionHandler
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, PathString path, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Refused {Method} {Path} for API key {KeyId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string? keyId, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Database unavailable on {Method} {Path} ({Error}): answered 503")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, PathString path, string error);
}
