namespace Cpns.Device.Storage;

/// <summary>The outcome of a Group Key Delete (group id, epoch).</summary>
public enum GroupKeyDeleteStatus
{
    /// <summary>Every key of the group up to the epoch is gone (or already was: a re-sent delete is acknowledged).</summary>
    Deleted = 1,

    /// <summary>The device never held a key of the group. The deletion is still recorded, so that epoch is never accepted later.</summary>
    UnknownGroup = 2,

    /// <summary>The device holds a newer epoch than the one to delete; that newer key is kept (older keys up to the epoch are wiped).</summary>
    Stale = 3,
}
