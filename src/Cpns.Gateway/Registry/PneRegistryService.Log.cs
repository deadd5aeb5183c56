using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Registry;

public sealed partial class PneRegistryService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "PNE {PneId} removed from the PN; leaf {Leaf} retired for good; {GroupCount} groups need a key update")]
        public static partial void Removed(ILogger logger, string pneId, int leaf, int groupCount);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Removal of PNE {PneId} refused: {Reason}")]
        public static partial void RemoveRefused(ILogger logger, string pneId, RemovePneStatus reason);
    }
}
