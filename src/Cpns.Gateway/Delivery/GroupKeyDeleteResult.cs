namespace Cpns.Gateway.Delivery;

/// <summary>
/// What the transport does with a Group Key Delete: send a GroupKeyDelete to each of
/// <see cref="AffectedPneIds"/> on its own topic, clear the group's retained broadcast when
/// <see cref="ClearRetainedBroadcast"/>, and answer the server with <see cref="Status"/>.
/// </summary>
/// <param name="Status">The outcome.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The epoch of the delete.</param>
/// <param name="AffectedPneIds">The PNEs that must delete the key and acknowledge.</param>
/// <param name="ClearRetainedBroadcast">True when the group's retained broadcast must be removed.</param>
public sealed record GroupKeyDeleteResult(GroupKeyDeleteStatus Status, string GroupId, ulong Epoch, IReadOnlyList<string> AffectedPneIds, bool ClearRetainedBroadcast);
