namespace Cpns.Device.Storage;

/// <summary>Whether the device holds a Service Group's key.</summary>
public enum GroupKeyStatus
{
    /// <summary>The device holds the group's current Group Key.</summary>
    Active = 1,

    /// <summary>The key was deleted (group deleted or the device left it); the epoch at deletion is remembered.</summary>
    Deleted = 2,
}
