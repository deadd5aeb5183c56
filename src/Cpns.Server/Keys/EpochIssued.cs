using Cpns.Server.Domain;

namespace Cpns.Server.Keys;

/// <summary>The outcome of a GK update: the new epoch and how many gateway deliveries it queued.</summary>
internal sealed record EpochIssued(Guid GroupId, long Epoch, GroupKeyReason Reason, int KeyDeliveries, int DeleteDeliveries);
