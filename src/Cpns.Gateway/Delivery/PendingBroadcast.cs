using Cpns.Crypto;

namespace Cpns.Gateway.Delivery;

/// <summary>A group's latest broadcast that a PNE has not acknowledged yet, to publish again when it reconnects.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The latest epoch.</param>
/// <param name="Broadcast">The stored broadcast.</param>
public sealed record PendingBroadcast(string GroupId, ulong Epoch, GroupKeyBroadcast Broadcast);
