using Cpns.Device.Storage;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="StoreFile.Open"/>, the key store file as read from disk (clear header, then AES-GCM), followed by
/// <see cref="StoreCodec.Decode"/> when it authenticates: DeviceStoreException only.
/// </summary>
internal sealed class StoreFileTarget : FuzzTarget
{
    private readonly DeviceKey _deviceKey = StoreSeeds.DeviceKey();

    public override string Name => "store-file";

    public override string Description => "StoreFile.Open + StoreCodec.Decode, the device store file (DeviceStoreException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var plaintext = StoreFile.Open(_deviceKey, input, "fuzz", expectedPneId: null, out var pneId);
            using var state = StoreCodec.Decode(plaintext, "fuzz");
            Check(!string.IsNullOrEmpty(pneId), "an opened store names its PNE");
        }
        catch (DeviceStoreException)
        {
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        foreach (var (name, plaintext) in StoreSeeds.Plaintexts().Where(s => s.Key.StartsWith("valid-", StringComparison.Ordinal)))
        {
            var file = new byte[StoreFile.FileLength("pne-fuzz", plaintext.Length)];
            StoreFile.Seal(_deviceKey, "pne-fuzz", plaintext, file);
            yield return new(name, file);
        }

        yield return new("edge-magic-only", "CPNSKEYS"u8.ToArray());
        yield return new("edge-long-id", [.. "CPNSKEYS"u8, 1, 0xFF, 0xFF, .. new byte[64]]);
    }
}
