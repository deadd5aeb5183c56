using Cpns.Server.Domain;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Keys;

internal sealed partial class GroupKeyService
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Group {GroupId} epoch {Epoch} issued ({Reason}); {KeyDeliveries} key and {DeleteDeliveries} delete deliveries queued")]
    private static partial void LogEpochIssued(ILogger logger, Guid groupId, long epoch, GroupKeyReason reason, int keyDeliveries, int deleteDeliveries);
}
