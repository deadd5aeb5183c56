namespace Cpns.Device.Messaging;

/// <summary>Settings of a <see cref="GroupMessenger"/>.</summary>
public sealed class GroupMessengerOptions
{
    /// <summary>How many messages under a not-yet-received epoch are held at most. Default 256.</summary>
    public int HoldCapacity { get; set; } = 256;

    /// <summary>How long a held message waits for its key before it is dropped. Default 60 seconds.</summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many distinct senders are tracked per group and epoch; a message from one more sender is
    /// refused as <see cref="GroupMessageStatus.Replay"/> since its freshness cannot be tracked. Default 65536.
    /// </summary>
    public int MaxSendersPerEpoch { get; set; } = 65536;

    /// <summary>The clock for the hold queue; the system clock by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
