using Cpns.Gateway.Delivery;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Hosting;

public sealed partial class GatewayHost
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Gateway {GatewayId} of PN {PnId} running: PN broker {PnEndpoint}, pairing {PairingEndpoint}")]
        public static partial void Started(ILogger logger, string gatewayId, string pnId, string pnEndpoint, string? pairingEndpoint);

        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Gateway {GatewayId} stopped")]
        public static partial void Stopped(ILogger logger, string gatewayId);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Input from {Source} refused: {Reason} ({Detail})")]
        public static partial void InputRefused(ILogger logger, string source, PneInputRefusal reason, string detail);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Handling a message on {Topic} failed; going on")]
        public static partial void HandlingFailed(ILogger logger, string topic, Exception exception);

        [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "PNE {PneId} paired (EU-Key assigned, certificate issued)")]
        public static partial void Paired(ILogger logger, string pneId);

        [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "6.1.2.2 step 5: GKDK Assignment Response sent to PNE {PneId}: {Status}")]
        public static partial void GkdkAnswered(ILogger logger, string pneId, GkdkAssignmentStatus status);

        [LoggerMessage(EventId = 6012, Level = LogLevel.Information, Message = "6.x.y step 6: Group Key broadcast of group {GroupId} epoch {Epoch} published for {Members} members")]
        public static partial void Broadcast(ILogger logger, string groupId, ulong epoch, int members);

        [LoggerMessage(EventId = 6013, Level = LogLevel.Debug, Message = "6.x.y step 7: PNE {PneId} answered group {GroupId} epoch {Epoch} with {Status}: {Outcome}")]
        public static partial void PneResponse(ILogger logger, string pneId, string groupId, ulong epoch, Status status, PneResponseOutcome outcome);

        [LoggerMessage(EventId = 6014, Level = LogLevel.Information, Message = "Latest broadcast of group {GroupId} epoch {Epoch} pointed again to reconnected PNE {PneId}")]
        public static partial void PointedBroadcast(ILogger logger, string pneId, string groupId, ulong epoch);

        [LoggerMessage(EventId = 6015, Level = LogLevel.Information, Message = "Group Key Delivery Report of group {GroupId} epoch {Epoch} ({Count} PNEs) sent to the server")]
        public static partial void DeliveryReported(ILogger logger, string groupId, ulong epoch, int count);

        [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "Group Key Delete of group {GroupId} epoch {Epoch}: {Status}; forwarded to {Count} PNEs")]
        public static partial void DeleteForwarded(ILogger logger, string groupId, ulong epoch, Cpns.Gateway.Delivery.GroupKeyDeleteStatus status, int count);

        [LoggerMessage(EventId = 6021, Level = LogLevel.Information, Message = "PNE {PneId} acknowledged the delete of group {GroupId} epoch {Epoch} ({Status}): {Outcome}")]
        public static partial void DeleteAcked(ILogger logger, string pneId, string groupId, ulong epoch, Status status, DeleteAckOutcome outcome);

        [LoggerMessage(EventId = 6030, Level = LogLevel.Debug, Message = "Group message of PNE {PneId} to group {GroupId} epoch {Epoch} relayed in the PN")]
        public static partial void GroupMessageRelayed(ILogger logger, string pneId, string groupId, ulong epoch);

        [LoggerMessage(EventId = 6031, Level = LogLevel.Warning, Message = "Relayed group message for group {GroupId} refused: malformed or for another group")]
        public static partial void RelayRefused(ILogger logger, string groupId);

        [LoggerMessage(EventId = 6040, Level = LogLevel.Information, Message = "PNE {PneId} removed from the PN; told to delete {Groups} group keys")]
        public static partial void PneRemoved(ILogger logger, string pneId, int groups);

        [LoggerMessage(EventId = 6050, Level = LogLevel.Debug, Message = "No server link yet: {Body} not sent")]
        public static partial void NoUplink(ILogger logger, string body);

        [LoggerMessage(EventId = 6051, Level = LogLevel.Warning, Message = "Envelope {Body} from the server is not one the gateway takes; ignored")]
        public static partial void ServerBodyIgnored(ILogger logger, string body);
    }
}
