using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Pairing;

public sealed partial class PairingService
{
    // The code is never a parameter of any message here.
    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Pairing session {Session} started, expires at {ExpiresAt:O}")]
        public static partial void Started(ILogger logger, int session, DateTimeOffset expiresAt);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "EU-Key Assignment Request from PNE {PneId} answered")]
        public static partial void RequestAnswered(ILogger logger, string pneId);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "PNE {PneId} registered (alias {Alias}); EU-Key stored")]
        public static partial void Registered(ILogger logger, string pneId, string? alias);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Pairing {Stage} from PNE {PneId} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string stage, string pneId, PairingStatus reason);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Pairing session {Session} closed after {Attempts} wrong confirmations")]
        public static partial void SessionLocked(ILogger logger, int session, int attempts);
    }
}
