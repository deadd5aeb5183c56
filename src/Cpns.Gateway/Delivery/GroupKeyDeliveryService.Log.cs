using Cpns.Crypto;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Delivery;

public sealed partial class GroupKeyDeliveryService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "6.x.y step 2: Group Key Notification for group {GroupId} epoch {Epoch}, {MemberCount} members named, reason {Reason}")]
        public static partial void Step2Received(ILogger logger, string groupId, ulong epoch, int memberCount, string? reason);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "6.x.y step 3: group {GroupId} epoch {Epoch} accepted ({Status}); {ExpectedCount} members expected, {ExcludedCount} excluded")]
        public static partial void Step3Accepted(ILogger logger, string groupId, ulong epoch, GroupKeyNotificationStatus status, int expectedCount, int excludedCount);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "6.x.y step 3: Group Key Notification for group {GroupId} epoch {Epoch} refused: {Status}")]
        public static partial void Step3Refused(ILogger logger, string groupId, ulong epoch, GroupKeyNotificationStatus status);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "6.x.y step 4: GKEK created for group {GroupId} epoch {Epoch}: {MemberCount} member leaves, {EntryCount} header entries")]
        public static partial void Step4Gkek(ILogger logger, string groupId, ulong epoch, int memberCount, int entryCount);

        [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "6.x.y step 5: Group Key of group {GroupId} epoch {Epoch} sealed under the GKEK")]
        public static partial void Step5Sealed(ILogger logger, string groupId, ulong epoch);

        [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "6.x.y step 6: broadcast of group {GroupId} epoch {Epoch} ready to publish to the PN")]
        public static partial void Step6Ready(ILogger logger, string groupId, ulong epoch);

        [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "Group {GroupId} epoch {Epoch} stored")]
        public static partial void EpochStored(ILogger logger, string groupId, ulong epoch);

        [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "6.x.y step 7: Group Key Response from PNE {PneId} for group {GroupId} epoch {Epoch}: {Status}, {Outcome}")]
        public static partial void PneResponse(ILogger logger, string pneId, string groupId, ulong epoch, BroadcastDecryptStatus status, PneResponseOutcome outcome);
    }
}
