namespace Cpns.Device.Messaging;

/// <summary>The outcome of opening a group message; every input, however bad, gets one.</summary>
public enum GroupMessageStatus
{
    /// <summary>The message authenticated under the group's key and is new: the payload is available.</summary>
    Opened = 1,

    /// <summary>The counter was already seen from this sender under this epoch, or is too far behind the newest (outside the 1024-message window).</summary>
    Replay = 2,

    /// <summary>The device has never held a key of the group.</summary>
    UnknownGroup = 3,

    /// <summary>The message's epoch was deleted from the device (group deleted or the device left it).</summary>
    KeyDeleted = 4,

    /// <summary>The message's epoch is older than the current one and no longer accepted (grace period over, or the update was for a member leaving or a compromise).</summary>
    EpochSuperseded = 5,

    /// <summary>The message's epoch is newer than the device's key: held until the key arrives (<see cref="GroupMessenger.OpenHeldAsync"/>).</summary>
    Held = 6,

    /// <summary>The message's epoch is newer than the device's key and the hold queue is full: dropped.</summary>
    HoldQueueFull = 7,

    /// <summary>A held message whose key did not arrive within the hold time: dropped.</summary>
    Expired = 8,

    /// <summary>The ciphertext, or any authenticated field, was altered, or the message was not sealed under the group's key.</summary>
    AuthenticationFailed = 9,

    /// <summary>The bytes are not a well-formed group message.</summary>
    Malformed = 10,

    /// <summary>The message or its payload exceeds the size caps (payload 64 KiB).</summary>
    TooLarge = 11,
}
