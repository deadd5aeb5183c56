using Cpns.Crypto;
using Cpns.Device.Client;
using Cpns.Device.Storage;

namespace Cpns.Security.Tests.Support;

/// <summary>What a device's store holds, read through the store's own code (InternalsVisibleTo): what a compromised PNE keeps.</summary>
internal sealed record DeviceSecrets(string PneId, byte[] Gkdk, byte[] EuKey, IReadOnlyList<byte[]> GroupKeys, byte[] ClientKey)
{
    public static Task<DeviceSecrets> ReadAsync(DeviceClient device) => ReadAsync(device.PneId, device.Store);

    /// <summary>The same from a store opened on its own (a device process's store after the process stopped).</summary>
    public static Task<DeviceSecrets> ReadAsync(string pneId, DeviceKeyStore store) =>
        store.ReadAsync(
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

                return new DeviceSecrets(pneId, state.Gkdk?.Export() ?? [], euKey, keys, state.ClientKey?.ToArray() ?? []);
            },
            TestContext.Current.CancellationToken);

    /// <summary>The GKDK as the device would use it (a fresh copy; dispose it).</summary>
    public Gkdk ImportGkdk() => Cpns.Crypto.Gkdk.Import(Gkdk);
}
