using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Auth;

internal sealed partial class ApiKeyAuthenticationHandler
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Rejected an invalid API key on {Path}")]
    private static partial void LogRejected(ILogger logger, PathString path);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Refused {Method} {Path} for API key {KeyId}: {Reason}")]
    internal static partial void LogForbidden(ILogger logger, string method, PathString path, string? keyId, string reason);
}
