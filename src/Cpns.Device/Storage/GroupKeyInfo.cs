namespace Cpns.Device.Storage;

/// <summary>What the device knows about one Service Group's key, without the key: for status displays and logs.</summary>
/// <param name="GroupId">The Service Group.</param>
/// <param name="Status">Whether the device holds the group's key.</param>
/// <param name="Epoch">The current epoch when <see cref="GroupKeyStatus.Active"/>; 0 when deleted.</param>
/// <param name="HighestSeenEpoch">The highest epoch ever accepted or deleted; nothing at or below it is accepted again.</param>
/// <param name="DeletedAtEpoch">The epoch up to which the key was last deleted, or 0 if never.</param>
/// <param name="GraceEpoch">The previous epoch whose key may still open in-flight messages, or 0 if none.</param>
public sealed record GroupKeyInfo(
    string GroupId,
    GroupKeyStatus Status,
    ulong Epoch,
    ulong HighestSeenEpoch,
    ulong DeletedAtEpoch,
    ulong GraceEpoch);
