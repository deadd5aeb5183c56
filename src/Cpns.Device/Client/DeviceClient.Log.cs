using Cpns.Device.Groups;
using Cpns.Device.Storage;
using Microsoft.Extensions.Logging;

namespace Cpns.Device.Client;

public sealed partial class DeviceClient
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "PNE {PneId} paired with PN {PnId} (gateway {GatewayId}); PN CA pinned")]
        public static partial void Paired(ILogger logger, string pneId, string pnId, string gatewayId);

        [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "PNE {PneId} running in PN {PnId} on {Endpoint} (leaf {Leaf})")]
        public static partial void Started(ILogger logger, string pneId, string pnId, string endpoint, int leaf);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Input on {Topic} refused: {Reason} ({Detail})")]
        public static partial void InputRefused(ILogger logger, string topic, DeviceInputRefusal reason, string detail);

        [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Handling a message on {Topic} failed; going on")]
        public static partial void HandlingFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "6.1.2.2 step 1: PNE {PneId} sent its GKDK Assignment Request")]
        public static partial void GkdkRequested(ILogger logger, string pneId);

        [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "6.1.2.2 step 5: PNE {PneId} installed its GKDK (leaf {Leaf})")]
        public static partial void GkdkInstalled(ILogger logger, string pneId, uint leaf);

        [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "PNE {PneId} got no GKDK Assignment Response in time; going on without")]
        public static partial void GkdkTimeout(ILogger logger, string pneId);

        [LoggerMessage(EventId = 7020, Level = LogLevel.Information, Message = "6.x.y step 8: Group Key of group {GroupId} epoch {Epoch}: {Status}")]
        public static partial void GroupKeyReceived(ILogger logger, string groupId, ulong epoch, GroupKeyReceiveStatus status);

        [LoggerMessage(EventId = 7021, Level = LogLevel.Information, Message = "Group Key Delete of group {GroupId} up to epoch {Epoch}: {Status}")]
        public static partial void GroupKeyDeleted(ILogger logger, string groupId, ulong epoch, GroupKeyDeleteStatus status);

        [LoggerMessage(EventId = 7030, Level = LogLevel.Debug, Message = "Group message opened: group {GroupId} epoch {Epoch} from {Sender}")]
        public static partial void GroupMessageOpened(ILogger logger, string groupId, ulong epoch, string sender);
    }
}
