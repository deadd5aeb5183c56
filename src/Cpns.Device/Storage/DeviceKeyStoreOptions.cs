namespace Cpns.Device.Storage;

/// <summary>Settings of a <see cref="DeviceKeyStore"/>.</summary>
public sealed class DeviceKeyStoreOptions
{
    /// <summary>
    /// How long the previous epoch's key still opens messages after a routine update (created, rotated,
    /// periodic, member joined). Never applied after member-left, compromise or an unspecified reason.
    /// Zero disables the grace period. Default 30 seconds.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many group message counters are reserved, and persisted, ahead of use: one store write per
    /// this many sent messages; a crash skips at most this many counters and never reuses one. Default 1024.
    /// </summary>
    public int CounterReservation { get; set; } = 1024;

    /// <summary>The clock for grace periods; the system clock by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
