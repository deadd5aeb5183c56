using Cpns.Server.Domain;

namespace Cpns.Server.Deliveries;

/// <summary>
/// What <see cref="DeliveryContent"/> reads about a group, one of its epochs and one gateway, in one query: whether
/// the group is deleted, the epoch's reason and sealed key (null when the epoch has no key row) and the gateway's
/// sealed key (null until it enrolls).
/// </summary>
internal sealed record ContentSource(bool Deleted, GroupKeyReason? Reason, byte[]? SealedGroupKey, byte[]? SealedGatewayKey);
