namespace Cpns.Gateway.Delivery;

/// <summary>The gateway's answer to a Group Key Notification, for the Group Key Response (flow 6.x.y step 3).</summary>
public enum GroupKeyNotificationStatus
{
    /// <summary>A newer epoch: stored, and a broadcast built for the members.</summary>
    Delivered = 0,

    /// <summary>The same epoch and key with another member set (a join without rotation): a new broadcast was built.</summary>
    MembersChanged = 1,

    /// <summary>The same epoch, key and members as already received: acknowledged, nothing rebuilt.</summary>
    Duplicate = 2,

    /// <summary>An epoch older than the latest one received (or than a delete): refused.</summary>
    Stale = 3,

    /// <summary>The same epoch with a different key: refused, the stored key is kept.</summary>
    Conflict = 4,

    /// <summary>The wrapped key does not open under the per-gateway key with this gateway id, group id and epoch.</summary>
    UnwrapFailed = 5,

    /// <summary>The gateway has no identity or per-gateway key yet.</summary>
    NotEnrolled = 6,

    /// <summary>The notification is malformed (empty group id, epoch 0 or above 2^63 - 1, wrong wrapped size).</summary>
    Invalid = 7,
}
