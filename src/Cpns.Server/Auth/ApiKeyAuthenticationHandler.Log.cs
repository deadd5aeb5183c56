using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Auth;

internal sealed partial class ApiKeyAuthenticationHandler
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Rejected an invalid API key on {Path}")]
    private static partial void LogRejected(ILogger logger, PathString path);
}
