namespace Cpns.Gateway.Delivery;

/// <summary>The outcome of a Group Key Delete.</summary>
public enum GroupKeyDeleteStatus
{
    /// <summary>The group was deleted: its key and state are gone, every member is told.</summary>
    Deleted = 0,

    /// <summary>The named members left: they are told; the group stays (the server rotates its key).</summary>
    MembersRemoved = 1,

    /// <summary>A whole-group delete for an epoch older than the latest received: refused.</summary>
    Stale = 2,

    /// <summary>A whole-group delete for a group this gateway never held: nothing to forward.</summary>
    UnknownGroup = 3,

    /// <summary>The delete is malformed (empty group id, epoch 0 or above 2^63 - 1).</summary>
    Invalid = 4,
}
