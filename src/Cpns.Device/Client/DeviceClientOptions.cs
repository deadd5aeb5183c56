using Cpns.Device.Messaging;
using Cpns.Device.Storage;

namespace Cpns.Device.Client;

/// <summary>Settings of a <see cref="DeviceClient"/>.</summary>
public sealed class DeviceClientOptions
{
    /// <summary>The directory holding <c>device.key</c> (0600) and <c>device.store</c>.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".data", "device");

    /// <summary>Settings of the key store (grace period, counter reservation, clock).</summary>
    public DeviceKeyStoreOptions Store { get; set; } = new();

    /// <summary>Settings of the group messenger (hold queue, replay windows).</summary>
    public GroupMessengerOptions Messenger { get; set; } = new();

    /// <summary>How long pairing may wait for each answer of the gateway.</summary>
    public TimeSpan PairingTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long <see cref="DeviceClient.StartAsync"/> waits for the GKDK Assignment Response.</summary>
    public TimeSpan GkdkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first reconnect delay to the PN broker.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The cap of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);
}
