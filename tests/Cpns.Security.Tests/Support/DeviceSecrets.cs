using Cpns.Crypto;
using Cpns.Device.Client;

namespace Cpns.Security.Tests.Support;

/// <summary>What a device's store holds, read through the store's own code (InternalsVisibleTo): what a compromised PNE keeps.</summary>
internal sealed record DeviceSecrets(string PneId, byte[] Gkdk, byte[] EuKey, IReadOnlyList<byte[]> GroupKeys)
{
    public static Task<DeviceSecrets> ReadAsync(DeviceClient device) =>
        device.Store.ReadAsync(
            state =>
            {
                var euKey = new byte[WrappingKey.KeySize];
                state.EuKey!.Export(euKey);
                var keys = new List<byte[]>();
                foreach (var group in state.Groups.Values)
                {
                    foreach (var key in new[] { group.Current, group.Previous })
                    {
                        if (key is not null)
                        {
                            var bytes = new byte[GroupKey.KeySize];
                            key.ExportKey(bytes);
                            keys.Add(bytes);
                        }
                    }
                }

                return new DeviceSecrets(device.PneId, state.Gkdk?.Export() ?? [], euKey, keys);
            },
            TestContext.Current.CancellationToken);

    /// <summary>The GKDK as the device would use it (a fresh copy; dispose it).</summary>
    public Gkdk ImportGkdk() => Cpns.Crypto.Gkdk.Import(Gkdk);
}
