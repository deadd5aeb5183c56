namespace Cpns.Gateway.Delivery;

/// <summary>
/// A Group Key Notification from the CPNS Server (flow 6.x.y step 2), decoded by the transport.
/// </summary>
/// <param name="GroupId">The Service Group.</param>
/// <param name="Epoch">The Group Key's epoch, 1 to 2^63 - 1.</param>
/// <param name="WrappedGroupKey">
/// The 32-byte Group Key sealed by the server under the per-gateway key (<see cref="Cpns.Crypto.WrappingKey"/>,
/// 60 bytes) with the AD <see cref="EndToEndAssociatedData.GroupKeyToGateway"/>(gateway id, group id, epoch).
/// </param>
/// <param name="MemberPneIds">The group's members that belong to this gateway's PN.</param>
/// <param name="Reason">Why the server sent it (create, update, join, compromise, periodic), for the log.</param>
public sealed record GroupKeyNotification(string GroupId, ulong Epoch, ReadOnlyMemory<byte> WrappedGroupKey, IReadOnlyList<string> MemberPneIds, string? Reason = null);
