using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Delivery;

public sealed partial class GroupKeyDeleteService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Group Key Delete for group {GroupId} epoch {Epoch}: {Status}, {AffectedCount} PNEs to notify, reason {Reason}")]
        public static partial void Handled(ILogger logger, string groupId, ulong epoch, GroupKeyDeleteStatus status, int affectedCount, string? reason);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Group Key Delete acknowledgement from PNE {PneId} for group {GroupId} epoch {Epoch}: {Outcome}")]
        public static partial void Acked(ILogger logger, string pneId, string groupId, ulong epoch, DeleteAckOutcome outcome);
    }
}
